/**
 * Bad input to the disk actions that change a disk (CreateDisk, DeleteDisk, ModifyDiskAttribute,
 * ResizeDisk, ResetDisk, AttachDisk, DetachDisk), through the official client: every field
 * missing, empty, oversized, of the wrong type or naming the wrong region answers its exact
 * code, and nothing changes. DescribeDisks: bad-input-describe-disks.test.ts.
 */
import { diskNotFound, invalid, missing, snapNotFound, type Failure } from '../support/failures.js';
import {
  bad, badInputSuite, descriptionCases, DISK, DISK_B, enumCases, HUGE, idCases, incorrectDiskStatus, INST, INST_B,
  instanceNotFound, integerCases, long, nameCases, OTHER_REGION, REGION, SNAP, type Case, type Params,
} from '../support/bad-input.js';

const create = { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' };
const withTags = (pairs: readonly (readonly [string, string])[]): Params =>
  Object.fromEntries(pairs.flatMap(([k, v], i) => [[`Tag.${i + 1}.Key`, k], [`Tag.${i + 1}.Value`, v]]));
const numbered = (n: number): [string, string][] => Array.from({ length: n }, (_, i) => [`k${i}`, 'v']);
const tagged = (params: Params, expected: Failure, extra: Partial<Case> = {}): Case =>
  bad('CreateDisk', { ...create, ...params }, expected, extra);

const createDisk: Case[] = [
  bad('CreateDisk', { EnsRegionId: REGION, Size: '1', InstanceChargeType: 'PostPaid' }, missing('Category')),
  bad('CreateDisk', { ...create, Category: '' }, missing('Category')),
  ...enumCases('CreateDisk', create, 'Category', ['local_ssd', 'local_hdd', 'CLOUD_SSD', 'cloud_ssd ', 'ssd', '["cloud_ssd"]']),
  ...idCases('CreateDisk', create, 'EnsRegionId', true),
  bad('CreateDisk', { ...create, EnsRegionId: 'mars-1' }, invalid('EnsRegionId')),
  bad('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1' }, missing('InstanceChargeType')),
  bad('CreateDisk', { ...create, InstanceChargeType: '' }, missing('InstanceChargeType')),
  ...enumCases('CreateDisk', create, 'InstanceChargeType', ['PrePaid', 'postpaid', 'postpay', 'POSTPAID']),
  bad('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid' }, missing('Size')),
  bad('CreateDisk', { ...create, Size: '' }, missing('Size')),
  ...integerCases('CreateDisk', create, 'Size', '1000001'),
  bad('CreateDisk', { ...create, Size: '40000' }, invalid('Size')), // over the region's maximum (32768 GiB)
  bad('CreateDisk', { ...create, SnapshotId: SNAP, Size: '40000' }, invalid('Size')),
  ...idCases('CreateDisk', create, 'SnapshotId', false),
  bad('CreateDisk', { ...create, SnapshotId: 's-nothere' }, snapNotFound('s-nothere')),
  bad('CreateDisk', { ...create, SnapshotId: DISK }, snapNotFound(DISK)),
  bad('CreateDisk', { ...create, EnsRegionId: OTHER_REGION, SnapshotId: SNAP }, snapNotFound(SNAP)),
  ...nameCases('CreateDisk', create, 'DiskName'),
  ...descriptionCases('CreateDisk', create),
  ...enumCases('CreateDisk', create, 'Encrypted', ['maybe', 'yes', '1', 'TRUE', 'true']), // encryption: not supported
  bad('CreateDisk', { ...create, KMSKeyId: 'key-1' }, invalid('KMSKeyId')),
  bad('CreateDisk', { ...create, InstanceBillingCycle: long(65) }, invalid('InstanceBillingCycle')),
  tagged(withTags(numbered(21)), invalid('Tag')),
  tagged(withTags([[long(129), 'v']]), invalid('Tag.Key')),
  tagged(withTags([['', 'v']]), invalid('Tag.Key')),
  tagged(withTags([['aliyun-x', 'v']]), invalid('Tag.Key')),
  tagged(withTags([['acs:x', 'v']]), invalid('Tag.Key')),
  tagged(withTags([['see http://x', 'v']]), invalid('Tag.Key')),
  tagged(withTags([[HUGE, 'v']]), invalid('Tag.Key'), { via: 'pop' }),
  tagged(withTags([['k', long(129)]]), invalid('Tag.Value')),
  tagged(withTags([['k', HUGE]]), invalid('Tag.Value'), { via: 'pop' }),
  tagged({ 'Tag.1.Value': 'no key' }, invalid('Tag.Key')),
  tagged({ 'Tag.0.Key': 'k' }, invalid('Tag')),
  tagged({ 'Tag.2.Key': 'k' }, invalid('Tag')),
  tagged({ 'Tag.01.Key': 'k' }, invalid('Tag')),
  tagged({ 'Tag.1.Key': 'k', 'Tag.1.Name': 'x' }, invalid('Tag')),
  tagged({ 'Tag.1': 'k' }, invalid('Tag')),
];

const deleteDisk: Case[] = [
  ...idCases('DeleteDisk', {}, 'DiskId', true),
  bad('DeleteDisk', { DiskId: 'd-nothere' }, diskNotFound('d-nothere')),
  bad('DeleteDisk', { DiskId: SNAP }, diskNotFound(SNAP)),
];

const modifyDiskAttribute: Case[] = [
  ...idCases('ModifyDiskAttribute', { DiskId: DISK, DiskName: 'fine' }, 'DiskId', true),
  ...nameCases('ModifyDiskAttribute', { DiskId: DISK }, 'DiskName'),
  bad('ModifyDiskAttribute', { DiskId: 'd-nothere', DiskName: 'fine' }, diskNotFound('d-nothere')),
  bad('ModifyDiskAttribute', { DiskId: SNAP, DiskName: 'fine' }, diskNotFound(SNAP)),
];

const resize = { DiskId: DISK, NewSize: '2' };
const resizeDisk: Case[] = [
  ...idCases('ResizeDisk', resize, 'DiskId', true),
  bad('ResizeDisk', { DiskId: DISK }, missing('NewSize')),
  bad('ResizeDisk', { ...resize, NewSize: '' }, missing('NewSize')),
  ...integerCases('ResizeDisk', resize, 'NewSize', '1000001'),
  bad('ResizeDisk', { ...resize, NewSize: '1' }, invalid('NewSize')), // the disk's size: grow only
  bad('ResizeDisk', { ...resize, NewSize: '40000' }, invalid('NewSize')), // over the region's maximum
  bad('ResizeDisk', { ...resize, DiskId: 'd-nothere' }, diskNotFound('d-nothere')),
  bad('ResizeDisk', { ...resize, DiskId: SNAP }, diskNotFound(SNAP)),
];

const reset = { DiskId: DISK, SnapshotId: SNAP };
const resetDisk: Case[] = [
  ...idCases('ResetDisk', reset, 'DiskId', true),
  ...idCases('ResetDisk', reset, 'SnapshotId', true),
  bad('ResetDisk', { ...reset, DiskId: 'd-nothere' }, diskNotFound('d-nothere')),
  bad('ResetDisk', { ...reset, SnapshotId: 's-nothere' }, snapNotFound('s-nothere')),
  bad('ResetDisk', { ...reset, SnapshotId: DISK }, snapNotFound(DISK)),
  bad('ResetDisk', { DiskId: DISK_B, SnapshotId: SNAP }, invalid('SnapshotId')), // a snapshot of another disk
];

const attach = { DiskId: DISK, InstanceId: INST };
const attachDetach: Case[] = [
  ...idCases('AttachDisk', attach, 'DiskId', true),
  ...idCases('AttachDisk', attach, 'InstanceId', true),
  ...enumCases('AttachDisk', attach, 'DeleteWithInstance', ['yes', '1', 'TRUE', 'maybe', '["true"]']),
  bad('AttachDisk', { ...attach, DiskId: 'd-nothere' }, diskNotFound('d-nothere')),
  bad('AttachDisk', { ...attach, DiskId: SNAP }, diskNotFound(SNAP)),
  bad('AttachDisk', { ...attach, InstanceId: 'i-nothere' }, instanceNotFound('i-nothere')),
  bad('AttachDisk', { ...attach, InstanceId: DISK_B }, instanceNotFound(DISK_B)),
  bad('AttachDisk', { ...attach, InstanceId: INST_B }, invalid('InstanceId')), // an instance of another region
  ...idCases('DetachDisk', attach, 'DiskId', true),
  ...idCases('DetachDisk', attach, 'InstanceId', true),
  bad('DetachDisk', { ...attach, DiskId: 'd-nothere' }, diskNotFound('d-nothere')),
  bad('DetachDisk', { ...attach, InstanceId: 'i-nothere' }, instanceNotFound('i-nothere')),
  bad('DetachDisk', attach, incorrectDiskStatus(DISK)), // not attached
];

badInputSuite('bad input to the disk actions', [
  ...createDisk, ...deleteDisk, ...modifyDiskAttribute, ...resizeDisk, ...resetDisk, ...attachDetach,
]);
