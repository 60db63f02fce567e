/**
 * State rules of the slice, made deterministic by running jobs only when told:
 * a snapshot stays `creating` until its job runs; while it does, a second
 * CreateSnapshot of the disk answers SystemConcurrentOperate and neither the
 * disk nor the snapshot can be deleted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, type Body, type Call } from '../support/clients.js';
import { failure } from '../support/failures.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';

const REGION = 'cn-shenzhen-3';

describe('snapshot and disk states', { timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let pop: Call;
  let diskId = '';

  before(async () => {
    dir = await tempDir('edgesnap-states-');
    server = await startTestServer(dir.path, { startJobs: false });
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    pop = popClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS, 'POST');
    const res = await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_efficiency', Size: '1', InstanceChargeType: 'PostPaid' });
    diskId = (res.InstanceIds as string[])[0]!;
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  const status = async (snapshotId: string): Promise<unknown> =>
    ((await call('DescribeSnapshots', { SnapshotId: snapshotId })).Snapshots as Body[])[0]?.Status;

  it('a disk is Creating until its job runs, and cannot be snapshotted meanwhile', async () => {
    const d = ((await call('DescribeDisks', { DiskId: diskId })).Disks as { Disks: Body[] }).Disks[0]!;
    assert.equal(d.Status, 'Creating');
    assert.deepEqual(await failure(call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION })), {
      status: 400, code: 'IncorrectDiskStatus', message: `The current status of the disk ${diskId} does not support this operation.`,
    });
    await server.jobs.drain();
    const after = ((await call('DescribeDisks', { DiskId: diskId })).Disks as { Disks: Body[] }).Disks[0]!;
    assert.equal(after.Status, 'Available');
  });

  it('one creating snapshot per disk: SystemConcurrentOperate; no delete while creating', async () => {
    const first = await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION, SnapshotName: 'first' });
    const id = (first.SnapShotId as string[])[0]!;
    assert.equal(await status(id), 'creating');
    assert.deepEqual(await failure(pop('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION })), {
      status: 400, code: 'SystemConcurrentOperate', message: 'Concurrent operation causes failure.',
    });
    assert.equal((await failure(call('DeleteSnapshot', { SnapshotId: id }))).code, 'DISK_SNAPSHOT_STATUS_NOT_MATCH');
    assert.equal((await failure(call('DeleteDisk', { DiskId: diskId }))).code, 'IncorrectDiskStatus');
    const all = await call('DescribeSnapshots', {});
    assert.equal((all.Snapshots as Body[]).length, 1, 'the refused request left no snapshot behind');
    await server.jobs.drain();
    assert.equal(await status(id), 'available');
    const second = await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION });
    assert.notEqual((second.SnapShotId as string[])[0], id);
  });

  it('many concurrent CreateSnapshot calls: exactly one succeeds, one order', async () => {
    await server.jobs.drain();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    assert.equal(ok.length, 1);
    for (const r of results) {
      if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'SystemConcurrentOperate');
    }
    const snaps = await server.services.snapshots.describe({ accountId: server.accountId, diskId, offset: 0, limit: 100 });
    assert.equal(snaps.items.filter((s) => s.status === 'creating').length, 1);
    assert.equal(new Set(snaps.items.map((s) => s.orderId)).size, snaps.items.length);
    await server.jobs.drain();
  });

  it('the spec sample shape: --snapshot-id-format string answers a plain SnapShotId', async () => {
    const other = await tempDir('edgesnap-fmt-');
    const s = await startTestServer(other.path, { snapshotIdFormat: 'string', startJobs: false });
    try {
      const c = coreClient(`${s.api.host}:${s.api.port}`, TEST_CREDENTIALS);
      const d = (await c('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' }));
      await s.jobs.drain();
      const res = await c('CreateSnapshot', { DiskId: (d.InstanceIds as string[])[0]!, EnsRegionId: REGION });
      assert.equal(typeof res.SnapShotId, 'string');
      assert.match(res.SnapShotId as string, /^s-/);
      await s.jobs.drain();
    } finally {
      await s.close();
      await other.remove();
    }
  });
});
