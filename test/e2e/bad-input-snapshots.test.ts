/**
 * Bad input to the snapshot actions (CreateSnapshot, DescribeSnapshots, DeleteSnapshot,
 * ModifySnapshotAttribute, CopySnapshot), through the official client: every field missing, empty,
 * oversized, of the wrong type or naming the wrong region answers its exact code, and
 * nothing changes. Another account's resources: bad-input-owner.test.ts.
 */
import { diskNotFound, invalid, missing, snapNotFound } from '../support/failures.js';
import {
  bad, badInputSuite, CONTROLS, descriptionCases, DISK, DISK_B, HUGE, idCases, idListCases, integerCases, long, nameCases,
  OTHER_REGION, REGION, SNAP, type Case,
} from '../support/bad-input.js';

const create = { DiskId: DISK, EnsRegionId: REGION };
const modify = { SnapshotId: SNAP };

const createSnapshot: Case[] = [
  ...idCases('CreateSnapshot', create, 'DiskId', true),
  ...idCases('CreateSnapshot', create, 'EnsRegionId', true),
  bad('CreateSnapshot', { ...create, EnsRegionId: 'mars-1' }, invalid('EnsRegionId')),
  bad('CreateSnapshot', { ...create, EnsRegionId: 'CN-HANGZHOU-TELECOM' }, invalid('EnsRegionId')),
  ...nameCases('CreateSnapshot', create, 'SnapshotName'),
  ...descriptionCases('CreateSnapshot', create),
  bad('CreateSnapshot', { ...create, InstanceBillingCycle: long(65) }, invalid('InstanceBillingCycle')),
  bad('CreateSnapshot', { ...create, InstanceBillingCycle: HUGE }, invalid('InstanceBillingCycle'), { via: 'pop' }),
  // Pointing at nothing, or at a disk of another region.
  bad('CreateSnapshot', { ...create, DiskId: 'd-doesnotexist' }, diskNotFound('d-doesnotexist')),
  bad('CreateSnapshot', { ...create, DiskId: SNAP }, diskNotFound(SNAP)),
  bad('CreateSnapshot', { ...create, EnsRegionId: OTHER_REGION }, diskNotFound(DISK)),
  bad('CreateSnapshot', { DiskId: DISK_B, EnsRegionId: REGION }, diskNotFound(DISK_B)),
  // The first invalid field in the action's order is the one reported.
  bad('CreateSnapshot', { DiskId: 'd x', EnsRegionId: 'mars-1', SnapshotName: '1' }, invalid('DiskId')),
];

const describeSnapshots: Case[] = [
  ...idListCases('DescribeSnapshots', {}, 'SnapshotId', 100),
  ...['s x', 's-\u00fc', long(65), '{}', '"s-1"'].map((v) => bad('DescribeSnapshots', { SnapshotId: v }, invalid('SnapshotId'))),
  bad('DescribeSnapshots', { SnapshotId: HUGE }, invalid('SnapshotId'), { via: 'pop' }),
  ...[long(129), ...CONTROLS].map((v) => bad('DescribeSnapshots', { SnapshotName: v }, invalid('SnapshotName'))),
  bad('DescribeSnapshots', { SnapshotName: HUGE }, invalid('SnapshotName'), { via: 'pop' }),
  ...idCases('DescribeSnapshots', {}, 'DiskId', false),
  ...idCases('DescribeSnapshots', {}, 'InstanceId', false),
  ...idCases('DescribeSnapshots', {}, 'EnsRegionId', false),
  bad('DescribeSnapshots', { EnsRegionId: 'mars-1' }, invalid('EnsRegionId')),
  ...idListCases('DescribeSnapshots', {}, 'EnsRegionIds', 100),
  bad('DescribeSnapshots', { EnsRegionIds: `["${REGION}","mars-1"]` }, invalid('EnsRegionId')),
  ...integerCases('DescribeSnapshots', {}, 'PageNumber', '1000001'),
  ...integerCases('DescribeSnapshots', {}, 'PageSize', '101'),
];

const deleteSnapshot: Case[] = [
  ...idCases('DeleteSnapshot', {}, 'SnapshotId', true),
  bad('DeleteSnapshot', { SnapshotId: 's-nothere' }, snapNotFound('s-nothere')),
  bad('DeleteSnapshot', { SnapshotId: DISK }, snapNotFound(DISK)),
];

const modifySnapshotAttribute: Case[] = [
  ...idCases('ModifySnapshotAttribute', { ...modify, SnapshotName: 'fine' }, 'SnapshotId', true),
  ...nameCases('ModifySnapshotAttribute', modify, 'SnapshotName'),
  ...['auto', 'auto1', 'Auto-x', 'AUTOMATIC'].map((v) => bad('ModifySnapshotAttribute', { ...modify, SnapshotName: v },
    invalid('SnapshotName'))),
  ...descriptionCases('ModifySnapshotAttribute', modify),
  bad('ModifySnapshotAttribute', { SnapshotId: 's-nothere', SnapshotName: 'fine' }, snapNotFound('s-nothere')),
  bad('ModifySnapshotAttribute', { SnapshotId: DISK, Description: 'fine' }, snapNotFound(DISK)),
  // A valid name with an invalid description changes neither.
  bad('ModifySnapshotAttribute', { ...modify, SnapshotName: 'renamed', Description: 'x' }, invalid('Description')),
];

const copy = { SnapshotId: SNAP, DestinationRegionIds: `["${OTHER_REGION}"]` };
const copySnapshot: Case[] = [
  ...idCases('CopySnapshot', copy, 'SnapshotId', true),
  bad('CopySnapshot', { SnapshotId: SNAP }, missing('DestinationRegionIds')),
  bad('CopySnapshot', { ...copy, DestinationRegionIds: '' }, missing('DestinationRegionIds')),
  ...idListCases('CopySnapshot', copy, 'DestinationRegionIds', 20),
  ...['[]', '["mars-1"]', `["${OTHER_REGION}","mars-1"]`, `["${REGION}"]`, 'mars-1']
    .map((v) => bad('CopySnapshot', { ...copy, DestinationRegionIds: v }, invalid('DestinationRegionIds'))),
  ...nameCases('CopySnapshot', copy, 'DestinationSnapshotName'),
  ...descriptionCases('CopySnapshot', copy, 'DestinationSnapshotDescription'),
  bad('CopySnapshot', { ...copy, InstanceBillingCycle: long(65) }, invalid('InstanceBillingCycle')),
  bad('CopySnapshot', { ...copy, SnapshotId: 's-nothere' }, snapNotFound('s-nothere')),
  bad('CopySnapshot', { ...copy, SnapshotId: DISK }, snapNotFound(DISK)),
];

badInputSuite('bad input to the snapshot actions', [
  ...createSnapshot, ...describeSnapshots, ...deleteSnapshot, ...modifySnapshotAttribute, ...copySnapshot,
]);
