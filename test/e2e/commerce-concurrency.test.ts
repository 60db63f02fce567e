/**
 * Quotas under concurrency, against the real SQLite store: 30 CreateSnapshot calls at once over 10 disks with a
 * quota of 5 snapshots per account and region create exactly 5 snapshots with exactly 5 orders, one each.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, type Body, type Call } from '../support/clients.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { adminClient, adminOk, createDisk, type Admin } from './commerce-support.js';

const REGION = 'cn-dalian-unicom';
const QUOTA = 5;

describe('commerce: quotas hold under concurrent CreateSnapshot', { timeout: 180_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let admin: Admin;
  const disks: string[] = [];

  before(async () => {
    dir = await tempDir('edgesnap-commerce-race-');
    server = await startTestServer(dir.path, { startJobs: false });
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    admin = adminClient(server);
    for (let i = 0; i < 10; i++) disks.push(await createDisk(call, REGION));
    await server.jobs.drain();
    await adminOk(admin, 'PUT', `/accounts/${server.accountId}/quotas`, { snapshotsPerRegion: QUOTA });
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('30 concurrent calls, quota 5: exactly 5 snapshots, 5 orders, each snapshot with its order', async () => {
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) =>
      call('CreateSnapshot', { DiskId: disks[i % disks.length]!, EnsRegionId: REGION })));
    const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    assert.equal(ok.length, QUOTA);
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.ok(['OrderQuotaExceeded', 'SystemConcurrentOperate'].includes((r.reason as { code: string }).code),
          String(r.reason));
      }
    }
    const snaps = (await call('DescribeSnapshots', { PageSize: '100' })).Snapshots as Body[];
    const orders = ((await adminOk(admin, 'GET', `/orders?accountId=${server.accountId}`)).Orders as Body[])
      .filter((o) => o.Action === 'CreateSnapshot');
    assert.equal(snaps.length, QUOTA);
    assert.equal(orders.length, QUOTA);
    const answered = ok.map((r) => [(r.SnapShotId as string[])[0], r.OrderId]).sort();
    assert.deepEqual(orders.map((o) => [o.ResourceId, o.OrderId]).sort(), answered, 'no order without snapshot');
    assert.deepEqual(snaps.map((s) => s.SnapshotId).sort(), answered.map(([id]) => id), 'no snapshot without order');
    assert.equal(new Set(snaps.map((s) => s.SourceDiskId)).size, QUOTA, 'one per disk (one creating per disk)');
    // The refused calls left no copy-before-write session behind: every snapshot completes.
    await server.jobs.drain();
    const settled = (await call('DescribeSnapshots', { PageSize: '100' })).Snapshots as Body[];
    assert.deepEqual(settled.map((s) => s.Status), Array(QUOTA).fill('available'));
  });
});
