/**
 * The checks before an order, through the official clients: each answers the CreateSnapshot specification's
 * status, Code and Message exactly, and afterwards nothing was created and no order recorded. Every billable
 * create records its pay-as-you-go order with the resource.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, type Body, type Call } from '../support/clients.js';
import { diskNotFound, failure, type Failure } from '../support/failures.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import {
  adminClient, adminOk, ARREARS, BASIC_INFO, CONCURRENT, createDisk, FROZEN, inventory, LOCAL_DISK, NO_REAL_NAME,
  NOT_SOLD, QUOTA, RELEASED, STOCK, type Admin,
} from './commerce-support.js';

const REGION = 'cn-hangzhou-telecom';
const DEST_1 = 'cn-shenzhen-3';
const DEST_2 = 'cn-beijing-15';

describe('commerce: the checks before an order', { timeout: 180_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let pop: Call;
  let admin: Admin;
  let diskId = '';
  let billing = '';

  before(async () => {
    dir = await tempDir('edgesnap-commerce-');
    server = await startTestServer(dir.path, { startJobs: false });
    const endpoint = `${server.api.host}:${server.api.port}`;
    call = coreClient(endpoint, TEST_CREDENTIALS);
    pop = popClient(endpoint, TEST_CREDENTIALS, 'POST');
    admin = adminClient(server);
    billing = `/accounts/${server.accountId}/billing`;
    diskId = await createDisk(call, REGION);
    await server.jobs.drain();
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  /** `request` fails with `expected` and leaves no snapshot and no order behind. */
  async function refused(request: () => Promise<unknown>, expected: Failure): Promise<void> {
    const before = await inventory(call, admin, server.accountId);
    assert.deepEqual(await failure(request()), expected);
    assert.deepEqual(await inventory(call, admin, server.accountId), before, 'nothing created, no order');
  }
  const snapshot = (client: Call = call, disk = diskId): Promise<Body> =>
    client('CreateSnapshot', { DiskId: disk, EnsRegionId: REGION });

  it('a fresh account needs no setup: the documented defaults', async () => {
    assert.deepEqual((await adminOk(admin, 'GET', billing)).BillingProfile, {
      AccountId: server.accountId, Frozen: false, RealNameVerified: true, BasicInfoComplete: true, BalanceMilli: 0,
      CreditLineMilli: 1_000_000_000,
    });
    assert.deepEqual((await adminOk(admin, 'GET', `/accounts/${server.accountId}/quotas`)).Quotas, {
      AccountId: server.accountId, SnapshotsPerDisk: 64, SnapshotsPerRegion: 1000, SnapshotCapacityBytes: 100 * 2 ** 40,
    });
    assert.deepEqual((await adminOk(admin, 'GET', `/regions/${REGION}/sale`)).RegionSale,
      { EnsRegionId: REGION, SellsSnapshots: true, SnapshotCapacityBytes: 1024 * 2 ** 40 });
    assert.deepEqual((await adminOk(admin, 'GET', `/regions/${REGION}/prices`)).Prices,
      { EnsRegionId: REGION, SnapshotMilliPerGiBHour: 1, DiskMilliPerGiBHour: 2 });
    const unknown = await admin('GET', '/accounts/9999/billing');
    assert.deepEqual([unknown.status, unknown.body.Code], [404, 'Admin.AccountNotFound']);
  });

  it('CreateDisk records a pay-as-you-go order with the disk but answers no OrderId', async () => {
    const orders = (await adminOk(admin, 'GET', `/orders?accountId=${server.accountId}`)).Orders as Body[];
    const order = orders.find((o) => o.ResourceId === diskId);
    assert.deepEqual({ ...order, OrderId: undefined, CreationTime: undefined }, {
      OrderId: undefined, AccountId: server.accountId, Action: 'CreateDisk', ResourceType: 'disk', ResourceId: diskId,
      EnsRegionId: REGION, ChargeType: 'PostPaid', CreationTime: undefined,
    });
    assert.match(String(order?.OrderId), /^\d{15}$/);
    const res = await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' });
    assert.deepEqual(Object.keys(res).sort(), ['InstanceIds', 'RequestId']);
  });

  it('account checks, in order: frozen, arrears, real name, basic information (CreateSnapshot, CreateDisk, ResizeDisk)',
    async () => {
      const cases: [Record<string, unknown>, Failure][] = [
        [{ frozen: true, balanceMilli: -101, creditLineMilli: 100, realNameVerified: false }, FROZEN],
        [{ frozen: false }, ARREARS],
        [{ balanceMilli: -100 }, NO_REAL_NAME], // exactly minus the credit line is not arrears
        [{ realNameVerified: true, basicInfoComplete: false }, BASIC_INFO],
      ];
      for (const [profile, expected] of cases) {
        await adminOk(admin, 'PUT', billing, profile);
        await refused(() => snapshot(), expected);
        await refused(() => snapshot(pop), expected);
        const disks = ((await call('DescribeDisks', {})).TotalCount as number);
        assert.deepEqual(await failure(createDisk(call, REGION)), expected, 'CreateDisk');
        assert.equal((await call('DescribeDisks', {})).TotalCount, disks, 'no disk created');
        assert.deepEqual(await failure(call('ResizeDisk', { DiskId: diskId, NewSize: '2' })), expected, 'ResizeDisk');
      }
      await adminOk(admin, 'PUT', billing, { basicInfoComplete: true, balanceMilli: 0 });
      assert.match(String((await snapshot()).OrderId), /^\d{15}$/, 'allowed again');
      await server.jobs.drain();
    });

  it('quotas: snapshots per disk, per account and region, total capacity', async () => {
    const quotas = `/accounts/${server.accountId}/quotas`;
    for (const q of [{ snapshotsPerDisk: 0 }, { snapshotsPerRegion: 0 }, { snapshotCapacityBytes: 2 ** 30 - 1 }]) {
      await adminOk(admin, 'PUT', quotas, { snapshotsPerDisk: 64, snapshotsPerRegion: 1000, snapshotCapacityBytes: 2 ** 40, ...q });
      await refused(() => snapshot(), QUOTA);
    }
    await adminOk(admin, 'PUT', quotas, { snapshotsPerDisk: 64, snapshotsPerRegion: 1000, snapshotCapacityBytes: 2 ** 40 });
  });

  it('region sale control: not sold, storage full', async () => {
    await adminOk(admin, 'PUT', `/regions/${REGION}/sale`, { sellsSnapshots: false });
    await refused(() => snapshot(), NOT_SOLD);
    await adminOk(admin, 'PUT', `/regions/${REGION}/sale`, { sellsSnapshots: true, snapshotCapacityBytes: 2 ** 30 - 1 });
    await refused(() => snapshot(pop), STOCK);
    await adminOk(admin, 'PUT', `/regions/${REGION}/sale`, { snapshotCapacityBytes: 2 ** 40 });
  });

  it('local disks (registered by the operator, backed by a volume) cannot be snapshotted', async () => {
    const res = await adminOk(admin, 'POST', '/local-disks',
      { accountId: server.accountId, regionId: REGION, category: 'local_ssd', sizeGiB: 1, name: 'scratch' });
    const local = String(res.DiskId);
    await server.jobs.drain();
    const d = ((await call('DescribeDisks', { DiskId: local })).Disks as { Disks: Body[] }).Disks[0]!;
    assert.deepEqual([d.Category, d.Status, d.DiskName], ['local_ssd', 'Available', 'scratch']);
    await refused(() => snapshot(call, local), LOCAL_DISK);
    const bad = await admin('POST', '/local-disks', { accountId: server.accountId, regionId: REGION, category: 'cloud_ssd', sizeGiB: 1 });
    assert.deepEqual([bad.status, bad.body.Code], [400, 'InvalidParameter.Category']);
  });

  it('a disk being released: ProductInstanceReleased; once released, not found', async () => {
    const doomed = await createDisk(call, REGION);
    await server.jobs.drain();
    await call('DeleteDisk', { DiskId: doomed });
    await refused(() => snapshot(call, doomed), RELEASED);
    await server.jobs.drain();
    await refused(() => snapshot(call, doomed), diskNotFound(doomed));
  });

  it('another snapshot of the disk in flight: SystemConcurrentOperate; a success records its order', async () => {
    const res = await snapshot();
    const id = (res.SnapShotId as string[])[0]!;
    await refused(() => snapshot(pop), CONCURRENT);
    const orders = (await adminOk(admin, 'GET', `/orders?accountId=${server.accountId}`)).Orders as Body[];
    const order = orders.find((o) => o.ResourceId === id);
    assert.deepEqual([order?.OrderId, order?.Action, order?.ResourceType], [res.OrderId, 'CreateSnapshot', 'snapshot']);
    await server.jobs.drain();
  });

  it('CopySnapshot: a destination failing sale control goes to UnAllocationId; account checks and quotas refuse all',
    async () => {
      const source = ((await call('DescribeSnapshots', { DiskId: diskId })).Snapshots as Body[])[0]!.SnapshotId as string;
      await adminOk(admin, 'PUT', `/regions/${DEST_1}/sale`, { sellsSnapshots: false });
      await adminOk(admin, 'PUT', `/regions/${DEST_2}/sale`, { snapshotCapacityBytes: 1 });
      const copy = (dests: string[]): Promise<Body> =>
        call('CopySnapshot', { SnapshotId: source, DestinationRegionIds: JSON.stringify(dests) });
      await refused(() => copy([DEST_1]), NOT_SOLD);
      await refused(() => copy([DEST_2, DEST_1]), STOCK);
      await adminOk(admin, 'PUT', billing, { frozen: true });
      await refused(() => copy(['ch-zurich-1']), FROZEN);
      await adminOk(admin, 'PUT', billing, { frozen: false });
      await adminOk(admin, 'PUT', `/accounts/${server.accountId}/quotas`, { snapshotsPerRegion: 0 });
      await refused(() => copy(['ch-zurich-1']), QUOTA);
      await adminOk(admin, 'PUT', `/accounts/${server.accountId}/quotas`, { snapshotsPerRegion: 1000 });
      const before = await inventory(call, admin, server.accountId);
      const res = await copy([DEST_1, 'ch-zurich-1', DEST_2]);
      assert.equal(res.BizStatusCode, 'PartSuccess');
      assert.deepEqual(res.UnAllocationId, [{ EnsRegionId: DEST_1 }, { EnsRegionId: DEST_2 }]);
      const copyId = (res.AllocationId as { InstanceId: string[] }[])[0]!.InstanceId[0]!;
      const after = await inventory(call, admin, server.accountId);
      assert.equal(after.snapshots.length, before.snapshots.length + 1);
      assert.equal(after.orders.length, before.orders.length + 1, 'one order for the one copy');
      const orders = (await adminOk(admin, 'GET', `/orders?accountId=${server.accountId}`)).Orders as Body[];
      assert.equal(orders.find((o) => o.ResourceId === copyId)?.Action, 'CopySnapshot');
      await server.jobs.drain();
    });

  it('admin routes refuse bad values with catalog codes', async () => {
    for (const [path, body, code] of [
      [billing, { frozen: 'yes' }, 'InvalidParameter.Frozen'],
      [billing, { creditLineMilli: -1 }, 'InvalidParameter.CreditLineMilli'],
      [billing, { balanceMilli: 1.5 }, 'InvalidParameter.BalanceMilli'],
      [billing, { colour: 1 }, 'InvalidParameter.Colour'],
      [`/regions/nowhere/sale`, { sellsSnapshots: true }, 'InvalidParameter.EnsRegionId'],
    ] as const) {
      const res = await admin('PUT', path, body);
      assert.deepEqual([res.status, res.body.Code], [400, code], JSON.stringify(body));
    }
    const top = await admin('POST', `/accounts/${server.accountId}/top-up`, { amountMilli: 0 });
    assert.deepEqual([top.status, top.body.Code], [400, 'InvalidParameter.AmountMilli']);
    const ok = await adminOk(admin, 'POST', `/accounts/${server.accountId}/top-up`, { amountMilli: 2500 });
    assert.equal((ok.BillingProfile as Body).BalanceMilli, 2500);
  });
});
