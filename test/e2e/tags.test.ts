/**
 * Disk tags through the official clients: CreateDisk with tags, DescribeDisks
 * showing them, TagResources / UntagResources / ListTagResources (filters and
 * paging), the 20-tag limit, key rules, unknown disks changing nothing, and the
 * Terraform-style form-body calls. Exact HTTP status, Code and Message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, type Body, type Call } from '../support/clients.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { failure, missing, invalid, diskNotFound, type Failure } from '../support/failures.js';

const REGION = 'cn-beijing-15';
const long = (n: number): string => 'a'.repeat(n);

const tooMany = (id: string): Failure => ({
  status: 400, code: 'QuotaExceed.TagNum', message: `The resource ${id} would hold more than 20 tags.`,
});

/** `Tag.N.Key`/`Tag.N.Value` for these pairs, numbered from `first`. */
function tagParams(pairs: [string, string][], first = 1): Record<string, string> {
  return Object.fromEntries(pairs.flatMap(([k, v], i) => [[`Tag.${i + first}.Key`, k], [`Tag.${i + first}.Value`, v]]));
}
const numbered = (prefix: string, n: number): [string, string][] =>
  Array.from({ length: n }, (_, i) => [`${prefix}${String(i).padStart(2, '0')}`, `v${i}`]);

describe('disk tags', { timeout: 180_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let pop: Call;
  let tagged = '';
  let plain = '';
  let deleted = '';

  const createDisk = async (extra: Record<string, string> = {}, via: Call = call): Promise<string> => {
    const res = await via('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid', ...extra });
    return (res.InstanceIds as string[])[0]!;
  };
  const describeTags = async (id: string): Promise<Body[] | undefined> => {
    const d = ((await call('DescribeDisks', { DiskId: id })).Disks as { Disks: Body[] }).Disks[0];
    return d === undefined ? undefined : (d.Tags as { Tags: Body[] }).Tags;
  };
  const listAll = async (params: Record<string, string> = {}): Promise<Body[]> => {
    const rows: Body[] = [];
    let token = '';
    do {
      const res = await call('ListTagResources', { ResourceType: 'disk', ...params, ...(token ? { NextToken: token } : {}) });
      assert.deepEqual(Object.keys(res).sort(), ['NextToken', 'RequestId', 'TagResources']);
      rows.push(...(res.TagResources as Body[]));
      token = res.NextToken as string;
    } while (token !== '');
    return rows;
  };
  const pairsOf = async (id: string): Promise<string[]> =>
    (await listAll({ 'ResourceId.1': id })).map((r) => `${r.TagKey as string}=${r.TagValue as string}`);
  const assertOnlyRequestId = (res: Body): void => assert.deepEqual(Object.keys(res), ['RequestId']);

  before(async () => {
    dir = await tempDir('edgesnap-tags-');
    server = await startTestServer(dir.path, { startJobs: false });
    const endpoint = `${server.api.host}:${server.api.port}`;
    call = coreClient(endpoint, TEST_CREDENTIALS);
    pop = popClient(endpoint, TEST_CREDENTIALS, 'POST');
    tagged = await createDisk(tagParams([['team', ''], ['env', 'prod']]));
    plain = await createDisk();
    deleted = await createDisk(tagParams([['gone', 'soon']]));
    await server.jobs.drain();
    await call('DeleteDisk', { DiskId: deleted });
    await server.jobs.drain();
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('CreateDisk stores tags; DescribeDisks shows them as Tags.Tags[] of {Key, Value}', async () => {
    assert.deepEqual(await describeTags(tagged), [{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: '' }]);
    assert.deepEqual(await describeTags(plain), []);
    const page = (await call('DescribeDisks', { PageSize: '50' })).Disks as { Disks: Body[] };
    const byId = new Map(page.Disks.map((d) => [d.DiskId, (d.Tags as { Tags: Body[] }).Tags]));
    assert.deepEqual(byId.get(tagged), [{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: '' }]);
    assert.deepEqual(byId.get(plain), []);
    const viaForm = await createDisk(tagParams([['tf', 'yes']]), pop);
    assert.deepEqual(await describeTags(viaForm), [{ Key: 'tf', Value: 'yes' }]);
    const twenty = await createDisk(tagParams(numbered('k', 20)));
    assert.equal((await describeTags(twenty))!.length, 20);
  });

  it('CreateDisk refuses a 21st tag or a bad key and creates nothing', async () => {
    const before = JSON.stringify((await call('DescribeDisks', { PageSize: '50' })).Disks);
    const cases: [Record<string, string>, Failure][] = [
      [tagParams(numbered('k', 21)), invalid('Tag')],
      [tagParams([['aliyun-x', 'v']]), invalid('Tag.Key')],
      [tagParams([['ok', long(129)]]), invalid('Tag.Value')],
      [{ 'Tag.2.Key': 'gap' }, invalid('Tag')],
      [{ 'Tag.0.Key': 'zero' }, invalid('Tag')],
    ];
    for (const [params, expected] of cases) {
      assert.deepEqual(await failure(createDisk(params)), expected, JSON.stringify(params).slice(0, 80));
    }
    assert.equal(JSON.stringify((await call('DescribeDisks', { PageSize: '50' })).Disks), before, 'nothing created');
  });

  it('TagResources sets and overwrites; UntagResources removes keys, nothing, or all', async () => {
    assertOnlyRequestId(await call('TagResources', { ResourceType: 'disk', 'ResourceId.1': plain, ...tagParams([['a', '1'], ['b', '2']]) }));
    assert.deepEqual(await pairsOf(plain), ['a=1', 'b=2']);
    assertOnlyRequestId(await call('TagResources', { ResourceType: 'disk', 'ResourceId.1': plain, ...tagParams([['a', '3'], ['a', '4']]) }));
    assert.deepEqual(await pairsOf(plain), ['a=4', 'b=2'], 'overwritten; the last of a repeated key wins');
    assert.deepEqual(await describeTags(plain), [{ Key: 'a', Value: '4' }, { Key: 'b', Value: '2' }]);
    assertOnlyRequestId(await call('UntagResources', { ResourceType: 'disk', 'ResourceId.1': plain, 'TagKey.1': 'a', 'TagKey.2': 'zz' }));
    assert.deepEqual(await pairsOf(plain), ['b=2']);
    assertOnlyRequestId(await call('UntagResources', { ResourceType: 'disk', 'ResourceId.1': plain }));
    assert.deepEqual(await pairsOf(plain), ['b=2'], 'no keys and not All: nothing removed');
    assertOnlyRequestId(await call('UntagResources', { ResourceType: 'disk', 'ResourceId.1': plain, All: 'false' }));
    assert.deepEqual(await pairsOf(plain), ['b=2']);
    assertOnlyRequestId(await call('UntagResources', { ResourceType: 'disk', 'ResourceId.1': plain, All: 'true' }));
    assert.deepEqual(await pairsOf(plain), []);
    assert.deepEqual(await describeTags(plain), []);
  });

  it('a disk holds at most 20 tags; overwriting at 20 is fine', async () => {
    const id = await createDisk();
    await call('TagResources', { ResourceType: 'disk', 'ResourceId.1': id, ...tagParams(numbered('k', 19)) });
    await call('TagResources', { ResourceType: 'disk', 'ResourceId.1': id, ...tagParams([['k19', 'last']]) });
    assert.deepEqual(await failure(call('TagResources', { ResourceType: 'disk', 'ResourceId.1': id, ...tagParams([['k20', 'x']]) })),
      tooMany(id));
    assert.deepEqual(await failure(call('TagResources', { ResourceType: 'disk', 'ResourceId.1': plain, 'ResourceId.2': id,
      ...tagParams([['k00', 'new'], ['extra', 'x']]) })), tooMany(id));
    assert.deepEqual(await pairsOf(plain), [], 'all or nothing: the first disk got nothing');
    await call('TagResources', { ResourceType: 'disk', 'ResourceId.1': id, ...tagParams([['k00', 'new']]) });
    const pairs = await pairsOf(id);
    assert.equal(pairs.length, 20);
    assert.deepEqual([pairs[0], pairs[19]], ['k00=new', 'k19=last']);
  });

  it('an unknown, deleted or malformed disk is refused and nothing changes', async () => {
    const snapshot = JSON.stringify(await listAll());
    const cases: [string, Record<string, string>, Failure][] = [
      ['TagResources', { 'ResourceId.1': tagged, 'ResourceId.2': 'd-nothere', ...tagParams([['x', 'y']]) }, diskNotFound('d-nothere')],
      ['TagResources', { 'ResourceId.1': deleted, ...tagParams([['x', 'y']]) }, diskNotFound(deleted)],
      ['UntagResources', { 'ResourceId.1': tagged, 'ResourceId.2': 'd-nothere', All: 'true' }, diskNotFound('d-nothere')],
      ['UntagResources', { 'ResourceId.1': tagged, 'ResourceId.2': deleted, 'TagKey.1': 'env' }, diskNotFound(deleted)],
      ['TagResources', { 'ResourceId.1': 'd-<x>', ...tagParams([['x', 'y']]) }, invalid('ResourceId')],
    ];
    for (const [action, params, expected] of cases) {
      assert.deepEqual(await failure(call(action, { ResourceType: 'disk', ...params })), expected, `${action} ${JSON.stringify(params)}`);
    }
    const other = { accountId: '1000000000000002', requestId: 'test' };
    await assert.rejects(server.services.tags.tag(other, 'disk', [tagged], [{ key: 'x', value: 'y' }]),
      { code: 'InvalidDiskId.NotFound', status: 404 });
    assert.equal(JSON.stringify(await listAll()), snapshot, 'nothing changed');
  });

  it('refuses malformed parameters exactly', async () => {
    const base = { ResourceType: 'disk', 'ResourceId.1': tagged };
    const cases: [string, Record<string, string>, Failure][] = [
      ['TagResources', { 'ResourceId.1': tagged, ...tagParams([['x', 'y']]) }, missing('ResourceType')],
      ['TagResources', { ...base, ResourceType: 'instance', ...tagParams([['x', 'y']]) }, invalid('ResourceType')],
      ['TagResources', { ResourceType: 'disk', ...tagParams([['x', 'y']]) }, missing('ResourceId.1')],
      ['TagResources', base, missing('Tag.1.Key')],
      ['TagResources', { ...base, 'ResourceId.0': tagged, ...tagParams([['x', 'y']]) }, invalid('ResourceId')],
      ['TagResources', { ...base, 'ResourceId.3': plain, ...tagParams([['x', 'y']]) }, invalid('ResourceId')],
      ['TagResources', { ...base, 'ResourceId.01': plain, ...tagParams([['x', 'y']]) }, invalid('ResourceId')],
      ['TagResources', { ...base, 'ResourceId.51': plain, ...tagParams([['x', 'y']]) }, invalid('ResourceId')],
      ['TagResources', { ...base, 'Tag.1.Value': 'no key' }, invalid('Tag.Key')],
      ['TagResources', { ...base, 'Tag.1.Name': 'x', 'Tag.1.Key': 'x' }, invalid('Tag')],
      ['TagResources', { ...base, ...tagParams(numbered('k', 21)) }, invalid('Tag')],
      ...['aliyun', 'Aliyun-x', 'ACS:x', 'acs:y', 'http://x', 'see https://x', long(129)].map((key): [string, Record<string, string>, Failure] =>
        ['TagResources', { ...base, ...tagParams([[key, 'v']]) }, invalid('Tag.Key')]),
      ['TagResources', { ...base, ...tagParams([['k', long(129)]]) }, invalid('Tag.Value')],
      ['UntagResources', { ...base, ResourceType: 'snapshot' }, invalid('ResourceType')],
      ['UntagResources', { ResourceType: 'disk', 'TagKey.1': 'env' }, missing('ResourceId.1')],
      ['UntagResources', { ...base, 'TagKey.2': 'env' }, invalid('TagKey')],
      ['UntagResources', { ...base, 'TagKey.1': long(129) }, invalid('TagKey')],
      ['UntagResources', { ...base, All: 'yes' }, invalid('All')],
      ['ListTagResources', {}, missing('ResourceType')],
      ['ListTagResources', { ResourceType: 'instance' }, invalid('ResourceType')],
      ['ListTagResources', { ResourceType: 'disk', NextToken: 'not-a-token' }, invalid('NextToken')],
      ['ListTagResources', { ResourceType: 'disk', 'Tag.1.Value': 'v' }, invalid('Tag.Key')],
      ['ListTagResources', { ResourceType: 'disk', 'ResourceId.2': tagged }, invalid('ResourceId')],
    ];
    const snapshot = JSON.stringify(await listAll());
    for (const [action, params, expected] of cases) {
      assert.deepEqual(await failure(call(action, params)), expected, `${action} ${JSON.stringify(params).slice(0, 100)}`);
    }
    assert.equal(JSON.stringify(await listAll()), snapshot, 'nothing changed');
  });

  it('ListTagResources filters by resource and tag and pages with NextToken', async () => {
    const a = await createDisk(tagParams(numbered('p', 20)));
    const b = await createDisk(tagParams([...numbered('p', 19), ['only-b', 'B']]));
    const all = await listAll();
    assert.ok(all.length > 50, 'more than one page');
    const order = all.map((r) => [r.ResourceId as string, r.TagKey as string]);
    assert.deepEqual(order, [...order].sort((x, y) => (x[0] === y[0] ? (x[1] < y[1] ? -1 : 1) : x[0] < y[0] ? -1 : 1)));
    const first = await call('ListTagResources', { ResourceType: 'disk' });
    assert.equal((first.TagResources as Body[]).length, 50);
    assert.notEqual(first.NextToken, '');
    assert.deepEqual((first.TagResources as Body[])[0], {
      ResourceId: all[0]!.ResourceId, ResourceType: 'disk', TagKey: all[0]!.TagKey, TagValue: all[0]!.TagValue,
    });
    const two = await listAll({ 'ResourceId.1': b, 'ResourceId.2': a });
    assert.equal(two.length, 40);
    assert.deepEqual(new Set(two.map((r) => r.ResourceId)), new Set([a, b]));
    const byKey = await listAll({ 'ResourceId.1': a, 'ResourceId.2': b, 'Tag.1.Key': 'p05' });
    assert.deepEqual(byKey.map((r) => [r.ResourceId, r.TagValue]).sort(), [[a, 'v5'], [b, 'v5']].sort());
    const byValue = await listAll({ 'Tag.1.Key': 'only-b', 'Tag.1.Value': 'B', 'Tag.2.Key': 'p00', 'Tag.2.Value': 'nope' });
    assert.deepEqual(byValue, [{ ResourceId: b, ResourceType: 'disk', TagKey: 'only-b', TagValue: 'B' }]);
    assert.deepEqual(await listAll({ 'ResourceId.1': 'd-nothere' }), []);
    const one = await call('ListTagResources', { ResourceType: 'disk', 'ResourceId.1': tagged });
    assert.equal(one.NextToken, '');
  });

  it('Terraform-style calls (HMAC-SHA1, form body) and deleting a disk removes its tags', async () => {
    const id = await createDisk(tagParams([['old', '1']]), pop);
    assertOnlyRequestId(await pop('UntagResources', { ResourceType: 'disk', 'ResourceId.1': id, 'TagKey.1': 'old' }));
    assertOnlyRequestId(await pop('TagResources', { ResourceType: 'disk', 'ResourceId.1': id, ...tagParams([['new', '2']]) }));
    const res = await pop('ListTagResources', { ResourceType: 'disk', 'ResourceId.1': id });
    assert.deepEqual((res.TagResources as Body[]).map((r) => ({ ...r })), [{ ResourceId: id, ResourceType: 'disk', TagKey: 'new', TagValue: '2' }]);
    assert.equal(res.NextToken, '');
    assert.deepEqual(await failure(pop('TagResources', { ResourceType: 'disk', 'ResourceId.1': 'd-nothere', ...tagParams([['x', 'y']]) })),
      diskNotFound('d-nothere'));
    await server.jobs.drain();
    await call('DeleteDisk', { DiskId: id });
    assert.deepEqual(await listAll({ 'ResourceId.1': id }), []);
    assert.equal(await describeTags(id), undefined);
    assert.deepEqual(await listAll({ 'ResourceId.1': deleted }), [], 'tags of the disk deleted in before()');
  });
});
