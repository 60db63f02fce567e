/**
 * Bad input to the tag actions (TagResources, UntagResources, ListTagResources) and the region
 * and disk-type actions (DescribeEnsRegions, DescribeCloudDiskTypes; DescribeCloudDiskAvailableResourceInfo
 * takes no parameters), through the official client: exact codes, nothing changed.
 */
import { diskNotFound, invalid, missing } from '../support/failures.js';
import {
  bad, badInputSuite, CONTROLS, DISK, enumCases, HUGE, idCases, idListCases, long, REGION, SNAP, type Case, type Params,
} from '../support/bad-input.js';

const numbered = (prefix: string, n: number, value?: string): Params => Object.fromEntries(
  Array.from({ length: n }, (_, i) => [[`${prefix}.${i + 1}${value === undefined ? '' : '.Key'}`, `k${i}`],
    ...(value === undefined ? [] : [[`Tag.${i + 1}.Value`, value]])]).flat(),
);
const RESOURCE_TYPES = ['instance', 'Disk', 'DISK', 'snapshot', 'disk ', '["disk"]'];

/** ResourceType, ResourceId.N and Tag.N of an action reading them; `required`: the ids must be given. */
function resourceCases(action: string, base: Params, required: boolean): Case[] {
  const without = (drop: (k: string) => boolean): Params => Object.fromEntries(Object.entries(base).filter(([k]) => !drop(k)));
  const noType = without((k) => k === 'ResourceType');
  const noIds = without((k) => k.startsWith('ResourceId.'));
  return [
    bad(action, noType, missing('ResourceType')),
    bad(action, { ...base, ResourceType: '' }, missing('ResourceType')),
    ...enumCases(action, base, 'ResourceType', RESOURCE_TYPES),
    ...(required ? [bad(action, noIds, missing('ResourceId.1'))] : []),
    ...['', 'd x', 'd-\u00fc', long(65), '["d-1"]'].map((v) => bad(action, { ...base, 'ResourceId.1': v }, invalid('ResourceId'))),
    bad(action, { ...base, 'ResourceId.1': HUGE }, invalid('ResourceId'), { via: 'pop' }),
    bad(action, { ...noIds, ...numbered('ResourceId', 51) }, invalid('ResourceId')),
    ...['ResourceId.0', 'ResourceId.01', 'ResourceId.3', 'ResourceId.1.x', 'ResourceId.x']
      .map((k) => bad(action, { ...base, [k]: 'd-1' }, invalid('ResourceId'))),
  ];
}

const tag = { ResourceType: 'disk', 'ResourceId.1': DISK, 'Tag.1.Key': 'k', 'Tag.1.Value': 'v' };
const noTags = { ResourceType: 'disk', 'ResourceId.1': DISK };
const tagResources: Case[] = [
  ...resourceCases('TagResources', tag, true),
  bad('TagResources', noTags, missing('Tag.1.Key')),
  bad('TagResources', { ...noTags, ...numbered('Tag', 21, 'v') }, invalid('Tag')),
  ...['', long(129), 'aliyun', 'ALIYUN-x', 'acs:x', 'ACS:y', 'http://x', 'a https://x', ...CONTROLS].map((k) =>
    bad('TagResources', { ...noTags, 'Tag.1.Key': k, 'Tag.1.Value': 'v' }, invalid('Tag.Key'))),
  bad('TagResources', { ...noTags, 'Tag.1.Key': HUGE }, invalid('Tag.Key'), { via: 'pop' }),
  ...[long(129), ...CONTROLS].map((v) => bad('TagResources', { ...tag, 'Tag.1.Value': v }, invalid('Tag.Value'))),
  bad('TagResources', { ...tag, 'Tag.1.Value': HUGE }, invalid('Tag.Value'), { via: 'pop' }),
  bad('TagResources', { ...noTags, 'Tag.1.Value': 'no key' }, invalid('Tag.Key')),
  ...['Tag.0.Key', 'Tag.01.Key', 'Tag.3.Key', 'Tag.1.Name', 'Tag.1', 'Tag.1.Key.x']
    .map((k) => bad('TagResources', { ...tag, [k]: 'x' }, invalid('Tag'))),
  bad('TagResources', { ...tag, 'ResourceId.1': 'd-nothere' }, diskNotFound('d-nothere')),
  bad('TagResources', { ...tag, 'ResourceId.1': SNAP }, diskNotFound(SNAP)),
  bad('TagResources', { ...tag, 'ResourceId.2': 'd-nothere' }, diskNotFound('d-nothere')), // all or nothing
];

const untag = { ResourceType: 'disk', 'ResourceId.1': DISK, 'TagKey.1': 'owner' };
const untagResources: Case[] = [
  ...resourceCases('UntagResources', untag, true),
  bad('UntagResources', { ...noTags, ...numbered('TagKey', 21) }, invalid('TagKey')),
  ...['', long(129), ...CONTROLS].map((k) => bad('UntagResources', { ...untag, 'TagKey.1': k }, invalid('TagKey'))),
  bad('UntagResources', { ...untag, 'TagKey.1': HUGE }, invalid('TagKey'), { via: 'pop' }),
  ...['TagKey.0', 'TagKey.2', 'TagKey.1.Key'].map((k) => bad('UntagResources', { ...noTags, [k]: 'owner' }, invalid('TagKey'))),
  ...enumCases('UntagResources', { ...noTags }, 'All', ['yes', '1', 'TRUE', 'True', '["true"]']),
  bad('UntagResources', { ...untag, 'ResourceId.1': 'd-nothere' }, diskNotFound('d-nothere')),
  bad('UntagResources', { ...untag, 'ResourceId.2': SNAP }, diskNotFound(SNAP)), // all or nothing
];

const list = { ResourceType: 'disk', 'ResourceId.1': DISK };
const token = (v: unknown): string => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
const listTagResources: Case[] = [
  ...resourceCases('ListTagResources', list, false),
  bad('ListTagResources', { ResourceType: 'disk', ...numbered('Tag', 21, 'v') }, invalid('Tag')),
  ...['', long(129), ...CONTROLS].map((k) => bad('ListTagResources', { ResourceType: 'disk', 'Tag.1.Key': k }, invalid('Tag.Key'))),
  bad('ListTagResources', { ResourceType: 'disk', 'Tag.1.Value': 'v' }, invalid('Tag.Key')),
  bad('ListTagResources', { ResourceType: 'disk', 'Tag.1.Key': 'k', 'Tag.1.Value': long(129) }, invalid('Tag.Value')),
  bad('ListTagResources', { ResourceType: 'disk', 'Tag.1.Key': HUGE }, invalid('Tag.Key'), { via: 'pop' }),
  ...['not-a-token', '%%%', long(1025), 'a\u0000', token({ a: 1 }), token([1, 2]), token(['d-1']), token(['d-1', 'k', 'x'])]
    .map((t) => bad('ListTagResources', { ResourceType: 'disk', NextToken: t }, invalid('NextToken'))),
  bad('ListTagResources', { ResourceType: 'disk', NextToken: HUGE }, invalid('NextToken'), { via: 'pop' }),
];

const regions: Case[] = [
  ...idCases('DescribeEnsRegions', {}, 'EnsRegionId', false),
  ...['mars-1', 'CN-HANGZHOU-TELECOM'].map((v) => bad('DescribeEnsRegions', { EnsRegionId: v }, invalid('EnsRegionId'))),
  ...idCases('DescribeCloudDiskTypes', {}, 'EnsRegionId', false),
  bad('DescribeCloudDiskTypes', { EnsRegionId: 'mars-1' }, invalid('EnsRegionId')),
  ...idListCases('DescribeCloudDiskTypes', {}, 'EnsRegionIds', 100),
  bad('DescribeCloudDiskTypes', { EnsRegionIds: `["${REGION}","mars-1"]` }, invalid('EnsRegionId')),
];

badInputSuite('bad input to the tag, region and disk-type actions', [
  ...tagResources, ...untagResources, ...listTagResources, ...regions,
]);
