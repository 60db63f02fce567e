/**
 * ModifySnapshotAttribute, ModifyDiskAttribute, DescribeCloudDiskTypes and
 * DescribeCloudDiskAvailableResourceInfo through the official client: exact
 * response shapes, every validation rule with its status, code and message,
 * changes visible in the Describe actions, refused requests changing nothing.
 * Jobs run only when told, so states are deterministic.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, type Body, type Call } from '../support/clients.js';
import { SMALL_REGIONS, startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { failure, missing, invalid, diskNotFound, snapNotFound, type Failure } from '../support/failures.js';

const REGION = 'cn-beijing-15';
const long = (n: number): string => 'a'.repeat(n);

describe('attribute and disk-type actions', { timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let get: Call;
  let diskId = '';
  let snapshotId = '';
  let deletedSnapshotId = '';
  let deletedDiskId = '';

  const createDisk = async (): Promise<string> => {
    const res = await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' });
    return (res.InstanceIds as string[])[0]!;
  };
  const createSnapshot = async (params: Record<string, string> = {}): Promise<string> => {
    const res = await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION, ...params });
    return (res.SnapShotId as string[])[0]!;
  };
  const snapshot = async (id: string): Promise<Body | undefined> =>
    ((await call('DescribeSnapshots', { SnapshotId: id })).Snapshots as Body[])[0];
  const disk = async (id: string): Promise<Body | undefined> =>
    ((await call('DescribeDisks', { DiskId: id })).Disks as { Disks: Body[] }).Disks[0];
  const inventory = async (): Promise<string> => JSON.stringify([
    (await call('DescribeDisks', { PageSize: '50' })).Disks,
    (await call('DescribeSnapshots', { PageSize: '100' })).Snapshots,
  ]);
  const assertOnlyRequestId = (res: Body): void => {
    assert.deepEqual(Object.keys(res), ['RequestId']);
    assert.equal(typeof res.RequestId, 'string');
    assert.ok((res.RequestId as string).length > 0);
  };

  before(async () => {
    dir = await tempDir('edgesnap-attr-');
    server = await startTestServer(dir.path, { startJobs: false });
    const endpoint = `${server.api.host}:${server.api.port}`;
    call = coreClient(endpoint, TEST_CREDENTIALS);
    get = coreClient(endpoint, TEST_CREDENTIALS, 'GET');
    diskId = await createDisk();
    deletedDiskId = await createDisk();
    await server.jobs.drain();
    snapshotId = await createSnapshot({ SnapshotName: 'original', Description: 'first words' });
    await server.jobs.drain();
    deletedSnapshotId = await createSnapshot();
    await server.jobs.drain();
    await call('DeleteSnapshot', { SnapshotId: deletedSnapshotId });
    await call('DeleteDisk', { DiskId: deletedDiskId });
    await server.jobs.drain();
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('ModifySnapshotAttribute renames and re-describes; DescribeSnapshots shows it', async () => {
    assertOnlyRequestId(await call('ModifySnapshotAttribute',
      { SnapshotId: snapshotId, SnapshotName: 'renamed.v2', Description: 'second words' }));
    let s = (await snapshot(snapshotId))!;
    assert.deepEqual([s.SnapshotName, s.Description, s.Status], ['renamed.v2', 'second words', 'available']);
    assertOnlyRequestId(await call('ModifySnapshotAttribute', { SnapshotId: snapshotId, Description: 'third words' }));
    s = (await snapshot(snapshotId))!;
    assert.deepEqual([s.SnapshotName, s.Description], ['renamed.v2', 'third words'], 'an absent field is kept');
    assertOnlyRequestId(await call('ModifySnapshotAttribute', { SnapshotId: snapshotId, SnapshotName: 'Snap-名字:1' }));
    s = (await snapshot(snapshotId))!;
    assert.deepEqual([s.SnapshotName, s.Description], ['Snap-名字:1', 'third words']);
    assertOnlyRequestId(await call('ModifySnapshotAttribute', { SnapshotId: snapshotId, SnapshotName: 'aut0', Description: '' }));
    s = (await snapshot(snapshotId))!;
    assert.deepEqual([s.SnapshotName, s.Description], ['aut0', 'third words'], 'an empty Description is not sent');
    const byName = (await call('DescribeSnapshots', { SnapshotName: 'aut0' })).Snapshots as Body[];
    assert.deepEqual(byName.map((x) => x.SnapshotId), [snapshotId]);
  });

  it('ModifySnapshotAttribute works on a creating snapshot', async () => {
    const id = await createSnapshot();
    assert.equal((await snapshot(id))!.Status, 'creating');
    assertOnlyRequestId(await call('ModifySnapshotAttribute', { SnapshotId: id, SnapshotName: 'while-creating' }));
    await server.jobs.drain();
    const s = (await snapshot(id))!;
    assert.deepEqual([s.SnapshotName, s.Status], ['while-creating', 'available']);
  });

  it('ModifySnapshotAttribute refuses bad input exactly and changes nothing', async () => {
    const ok = { SnapshotId: snapshotId };
    const cases: [Record<string, string>, Failure][] = [
      [{ SnapshotName: 'fine' }, missing('SnapshotId')],
      [{ SnapshotId: '', SnapshotName: 'fine' }, missing('SnapshotId')],
      [{ SnapshotId: long(65) }, invalid('SnapshotId')],
      [{ SnapshotId: 's-<script>' }, invalid('SnapshotId')],
      [{ ...ok, SnapshotName: 'a' }, invalid('SnapshotName')],
      [{ ...ok, SnapshotName: long(129) }, invalid('SnapshotName')],
      [{ ...ok, SnapshotName: '1abc' }, invalid('SnapshotName')],
      [{ ...ok, SnapshotName: 'bad name!' }, invalid('SnapshotName')],
      [{ ...ok, SnapshotName: 'http://x' }, invalid('SnapshotName')],
      [{ ...ok, SnapshotName: 'auto' }, invalid('SnapshotName')],
      [{ ...ok, SnapshotName: 'autoSnap1' }, invalid('SnapshotName')],
      [{ ...ok, SnapshotName: 'AUTO-x' }, invalid('SnapshotName')],
      [{ ...ok, SnapshotName: 'Automatic' }, invalid('SnapshotName')],
      [{ ...ok, Description: 'x' }, invalid('Description')],
      [{ ...ok, Description: long(257) }, invalid('Description')],
      [{ ...ok, Description: 'https://example.com' }, invalid('Description')],
      [{ ...ok, SnapshotName: 'valid-name', Description: 'x' }, invalid('Description')],
      [{ SnapshotId: 's-nothere', SnapshotName: 'fine' }, snapNotFound('s-nothere')],
      [{ SnapshotId: deletedSnapshotId, SnapshotName: 'fine' }, snapNotFound(deletedSnapshotId)],
    ];
    const before = await inventory();
    for (const [params, expected] of cases) {
      assert.deepEqual(await failure(call('ModifySnapshotAttribute', params)), expected, JSON.stringify(params).slice(0, 100));
    }
    assert.equal(await inventory(), before, 'nothing changed');
  });

  it("another account's snapshot or disk answers as missing (service level: the gateway has only root)", async () => {
    const other = { accountId: '1000000000000002', requestId: 'test' };
    await assert.rejects(server.services.snapshots.modifyAttribute(other, snapshotId, { name: 'stolen' }),
      { code: 'ERROR_SNAPSHOT_NOT_FOUND', status: 404 });
    await assert.rejects(server.services.disks.modifyAttribute(other, diskId, { name: 'stolen' }),
      { code: 'InvalidDiskId.NotFound', status: 404 });
    assert.notEqual((await snapshot(snapshotId))!.SnapshotName, 'stolen');
    assert.notEqual((await disk(diskId))!.DiskName, 'stolen');
  });

  it('ModifyDiskAttribute renames; DescribeDisks shows it', async () => {
    const before = (await disk(diskId))!;
    assertOnlyRequestId(await call('ModifyDiskAttribute', { DiskId: diskId, DiskName: 'data-disk.1' }));
    const d = (await disk(diskId))!;
    assert.equal(d.DiskName, 'data-disk.1');
    assert.deepEqual({ ...d, DiskName: before.DiskName }, before, 'only the name changed');
    const byName = (await call('DescribeDisks', { DiskName: 'data-disk.1' })).Disks as { Disks: Body[] };
    assert.deepEqual(byName.Disks.map((x) => x.DiskId), [diskId]);
    assertOnlyRequestId(await call('ModifyDiskAttribute', { DiskId: diskId }));
    assert.equal((await disk(diskId))!.DiskName, 'data-disk.1', 'no DiskName: nothing changes');
  });

  it('Terraform-style calls (HMAC-SHA1, parameters in a POST form body) work for both Modify actions', async () => {
    const pop = popClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS, 'POST');
    assert.deepEqual(Object.keys(await pop('ModifyDiskAttribute', { DiskId: diskId, DiskName: 'tf-disk' })), ['RequestId']);
    assert.equal((await disk(diskId))!.DiskName, 'tf-disk');
    assert.deepEqual(Object.keys(await pop('ModifySnapshotAttribute', { SnapshotId: snapshotId, Description: 'from terraform' })),
      ['RequestId']);
    assert.equal((await snapshot(snapshotId))!.Description, 'from terraform');
  });

  it('ModifyDiskAttribute refuses bad input exactly and changes nothing', async () => {
    const ok = { DiskId: diskId };
    const cases: [Record<string, string>, Failure][] = [
      [{ DiskName: 'fine' }, missing('DiskId')],
      [{ DiskId: '', DiskName: 'fine' }, missing('DiskId')],
      [{ DiskId: long(65) }, invalid('DiskId')],
      [{ DiskId: 'd-<script>' }, invalid('DiskId')],
      [{ ...ok, DiskName: 'a' }, invalid('DiskName')],
      [{ ...ok, DiskName: long(129) }, invalid('DiskName')],
      [{ ...ok, DiskName: '9lives' }, invalid('DiskName')],
      [{ ...ok, DiskName: 'bad name!' }, invalid('DiskName')],
      [{ ...ok, DiskName: 'https://x' }, invalid('DiskName')],
      [{ DiskId: 'd-nothere', DiskName: 'fine' }, diskNotFound('d-nothere')],
      [{ DiskId: deletedDiskId, DiskName: 'fine' }, diskNotFound(deletedDiskId)],
    ];
    const before = await inventory();
    for (const [params, expected] of cases) {
      assert.deepEqual(await failure(call('ModifyDiskAttribute', params)), expected, JSON.stringify(params).slice(0, 100));
    }
    assert.equal(await inventory(), before, 'nothing changed');
  });

  it('DescribeCloudDiskTypes: every region × category, or the regions asked for', async () => {
    const types = (r: Body): Body[] => (r.SupportResources as { SupportResource: Body[] }).SupportResource;
    const both = (id: string): Body[] => [
      { Category: 'cloud_efficiency', EnsRegionId: id }, { Category: 'cloud_ssd', EnsRegionId: id }];
    const all = await get('DescribeCloudDiskTypes', {});
    assert.deepEqual(Object.keys(all).sort(), ['RequestId', 'SupportResources']);
    assert.deepEqual(types(all), SMALL_REGIONS.flatMap((r) => both(r.id)));
    assert.deepEqual(types(await call('DescribeCloudDiskTypes', { EnsRegionId: REGION })), both(REGION));
    assert.deepEqual(types(await call('DescribeCloudDiskTypes', { EnsRegionIds: '["ch-zurich-1","cn-shenzhen-3"]' })),
      [...both('cn-shenzhen-3'), ...both('ch-zurich-1')], 'configuration order');
    assert.deepEqual(types(await call('DescribeCloudDiskTypes', { EnsRegionId: REGION, EnsRegionIds: `["${REGION}"]` })),
      both(REGION), 'no duplicates');
    assert.deepEqual(types(await call('DescribeCloudDiskTypes', { EnsRegionIds: '[]' })), []);
    assert.deepEqual(await failure(call('DescribeCloudDiskTypes', { EnsRegionId: 'mars-1' })), invalid('EnsRegionId'));
    assert.deepEqual(await failure(call('DescribeCloudDiskTypes', { EnsRegionIds: `["${REGION}","mars-1"]` })),
      invalid('EnsRegionId'));
    assert.deepEqual(await failure(call('DescribeCloudDiskTypes', { EnsRegionId: long(65) })), invalid('EnsRegionId'));
    assert.deepEqual(await failure(call('DescribeCloudDiskTypes', { EnsRegionIds: '["a",' })), invalid('EnsRegionIds'));
    assert.deepEqual(await failure(call('DescribeCloudDiskTypes', { EnsRegionIds: '[1]' })), invalid('EnsRegionIds'));
  });

  it('DescribeCloudDiskAvailableResourceInfo: the sizes CreateDisk enforces, in GiB', async () => {
    const res = await get('DescribeCloudDiskAvailableResourceInfo', {});
    assert.deepEqual(Object.keys(res).sort(), ['RequestId', 'SupportResources']);
    const items = (res.SupportResources as { SupportResource: Body[] }).SupportResource;
    const expected: Body[] = SMALL_REGIONS.flatMap((r) => ['cloud_efficiency', 'cloud_ssd'].map((category) => ({
      EnsRegionId: r.id, EnsRegionName: r.name, Category: category, DiskMinSize: 1, DiskMaxSize: 32_768,
      DefaultDiskSize: 20, CanBuyCount: 100, Ability: { Ability: [] },
    })));
    assert.deepEqual(items, expected);
    for (const i of items) {
      for (const k of ['DiskMinSize', 'DiskMaxSize', 'DefaultDiskSize', 'CanBuyCount']) assert.ok(Number.isInteger(i[k]), k);
    }
    const first = items.find((i) => i.EnsRegionId === REGION && i.Category === 'cloud_ssd')!;
    const over = String((first.DiskMaxSize as number) + 1);
    assert.deepEqual(await failure(call('CreateDisk',
      { EnsRegionId: REGION, Category: 'cloud_ssd', Size: over, InstanceChargeType: 'PostPaid' })), invalid('Size'));
  });
});
