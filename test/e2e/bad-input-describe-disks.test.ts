/**
 * Bad input to DescribeDisks, through the official client: every filter and paging field
 * malformed, oversized or of the wrong type answers its exact code.
 */
import { invalid } from '../support/failures.js';
import {
  bad, badInputSuite, CONTROLS, enumCases, HUGE, idCases, idListCases, integerCases, long, REGION, type Case,
} from '../support/bad-input.js';

const cases: Case[] = [
  ...idCases('DescribeDisks', {}, 'DiskId', false),
  ...idListCases('DescribeDisks', {}, 'DiskIds', 100),
  ...['d x', long(65), '{}', '"d-1"'].map((v) => bad('DescribeDisks', { DiskIds: v }, invalid('DiskIds'))),
  bad('DescribeDisks', { DiskIds: HUGE }, invalid('DiskIds'), { via: 'pop' }),
  ...[long(129), ...CONTROLS].map((v) => bad('DescribeDisks', { DiskName: v }, invalid('DiskName'))),
  bad('DescribeDisks', { DiskName: HUGE }, invalid('DiskName'), { via: 'pop' }),
  ...idCases('DescribeDisks', {}, 'InstanceId', false),
  ...idCases('DescribeDisks', {}, 'SnapshotId', false),
  ...idCases('DescribeDisks', {}, 'EnsRegionId', false),
  ...idListCases('DescribeDisks', {}, 'EnsRegionIds', 100),
  ...[long(65), 'cloud\u0007'].map((v) => bad('DescribeDisks', { Category: v }, invalid('Category'))),
  ...[long(65), 'Avail\u0000'].map((v) => bad('DescribeDisks', { Status: v }, invalid('Status'))),
  ...enumCases('DescribeDisks', {}, 'Type', ['boot', 'System', '1', '2', '["data"]']),
  ...['[]', '[{"DiskNameSort":"desc"}]', 'x', '{', 'null', '1', '"a"']
    .map((v) => bad('DescribeDisks', { OrderByParams: v }, invalid('OrderByParams'))),
  ...integerCases('DescribeDisks', {}, 'PageNumber', '1000001'),
  ...integerCases('DescribeDisks', {}, 'PageSize', '51'),
  // Answered with an empty page today; a value outside the documented vocabulary should be refused.
  bad('DescribeDisks', { EnsRegionId: 'mars-1' }, invalid('EnsRegionId')),
  bad('DescribeDisks', { EnsRegionIds: `["${REGION}","mars-1"]` }, invalid('EnsRegionId')),
  bad('DescribeDisks', { Category: 'cloud_floppy' }, invalid('Category')),
  bad('DescribeDisks', { Status: 'Sleeping' }, invalid('Status')),
  bad('DescribeDisks', { DiskType: 'FloppyDisk' }, invalid('DiskType')),
  bad('DescribeDisks', { DiskChargeType: 'free' }, invalid('DiskChargeType')),
];

badInputSuite('bad input to DescribeDisks', cases);
