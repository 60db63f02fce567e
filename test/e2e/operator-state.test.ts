/**
 * Operator controls over the service's state (issue #4), through the admin API and the official clients: job
 * settle modes (manual, realistic on a manual clock, immediate), ids made reproducible by a seed, and
 * reset-all-state leaving an empty service that works at once.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/kernel/clock.js';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, type Body, type Call } from '../support/clients.js';
import { eventually, startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { adminOk, createDisk, diskStatus, REGION, snapshotStatus } from './operator-support.js';

const clientOf = (server: RunningEdgesnap): Call => coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);

/** Every file below `dir` (recursively), relative names. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  }
  return out;
}

describe('operator: job settle modes, seeded ids, reset', { timeout: 180_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;

  before(async () => {
    dir = await tempDir('edgesnap-opstate-');
    server = await startTestServer(dir.path);
    call = clientOf(server);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('manual mode: a disk stays Creating until POST /jobs/settle; immediate settles by itself', async () => {
    assert.equal((await adminOk(server, 'GET', '/jobs/mode')).Mode, 'immediate');
    assert.equal((await adminOk(server, 'PUT', '/jobs/mode', { mode: 'manual' })).Mode, 'manual');
    const diskId = await createDisk(call);
    await new Promise((r) => setTimeout(r, 300)); // workers would have run it by now
    assert.equal(await diskStatus(call, diskId), 'Creating');
    const settled = await adminOk(server, 'POST', '/jobs/settle');
    assert.ok((settled.Settled as number) >= 1);
    assert.equal(await diskStatus(call, diskId), 'Available');
    const snap = ((await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION })).SnapShotId as string[])[0]!;
    assert.equal(await snapshotStatus(call, snap), 'creating');
    await adminOk(server, 'POST', '/jobs/settle');
    assert.equal(await snapshotStatus(call, snap), 'available');
    await adminOk(server, 'PUT', '/jobs/mode', { mode: 'immediate' });
    const next = await createDisk(call);
    await eventually(async () => ((await diskStatus(call, next)) === 'Available' ? true : undefined), 'immediate settle');
  });

  it('job modes are validated', async () => {
    const bad = await fetch(`http://${server.api.host}:${server.api.port}/admin/v1/jobs/mode`, {
      method: 'PUT', headers: { authorization: `Bearer ${server.adminToken}` }, body: JSON.stringify({ mode: 'fast' }),
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as Body).Code, 'InvalidParameter.Mode');
  });

  it('realistic mode: a job waits its time on the service clock, then settles', async () => {
    const clock = new ManualClock(Date.now());
    const other = await tempDir('edgesnap-realistic-');
    const s = await startTestServer(other.path, { clock });
    try {
      const c = clientOf(s);
      await adminOk(s, 'PUT', '/jobs/mode', { mode: 'realistic' });
      const diskId = await createDisk(c); // 1 GiB: 500 ms + 1000 ms per GiB
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await diskStatus(c, diskId), 'Creating', 'the clock has not moved');
      await eventually(async () => {
        clock.advance(500);
        return (await diskStatus(c, diskId)) === 'Available' ? true : undefined;
      }, 'realistic settle');
    } finally {
      await s.close();
      await other.remove();
    }
  });

  it('POST /ids {seed}: two runs seeded alike get the same ids', async () => {
    const run = async (): Promise<string[]> => {
      const d = await tempDir('edgesnap-seeded-');
      const s = await startTestServer(d.path, { startJobs: false });
      try {
        const c = clientOf(s);
        assert.equal((await adminOk(s, 'POST', '/ids', { seed: 20261128 })).Seed, 20261128);
        const first = await c('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_efficiency', Size: '1', InstanceChargeType: 'PostPaid' });
        const second = await c('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '2', InstanceChargeType: 'PostPaid' });
        return [first.RequestId, first.OrderId, ...(first.InstanceIds as string[]), second.RequestId,
          ...(second.InstanceIds as string[])].map(String);
      } finally {
        await s.close();
        await d.remove();
      }
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a, b);
    assert.equal(new Set(a).size, a.length, 'still distinct ids');
  });

  it('POST /reset leaves an empty service (root and its key kept) that works at once', async () => {
    const diskId = await createDisk(call);
    await eventually(async () => ((await diskStatus(call, diskId)) === 'Available' ? true : undefined), 'disk');
    const snap = ((await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION })).SnapShotId as string[])[0]!;
    await eventually(async () => ((await snapshotStatus(call, snap)) === 'available' ? true : undefined), 'snapshot');
    await call('TagResources', { RegionId: REGION, ResourceType: 'disk', 'ResourceId.1': diskId, 'Tag.1.Key': 'k', 'Tag.1.Value': 'v' });
    await adminOk(server, 'POST', '/instances', { regionId: REGION }, 201);
    await adminOk(server, 'POST', '/faults', { id: 'f', match: { action: 'Nothing' }, effect: { kind: 'latency', ms: 1 } }, 201);
    await adminOk(server, 'PUT', `/accounts/${server.accountId}/throttle`, { ratePerSecond: 500, burst: 500 });
    const extra = await server.services.accounts.createAccount('someone');
    await adminOk(server, 'PUT', '/jobs/mode', { mode: 'manual' });
    await createDisk(call); // a queued job, dropped by the reset

    const reset = await adminOk(server, 'POST', '/reset');
    assert.equal(reset.FaultRulesRemoved, 1);
    assert.ok(((reset.Removed as Body).disks as number) >= 2);

    assert.equal(((await call('DescribeDisks', {})).Disks as { Disks: Body[] }).Disks.length, 0);
    assert.equal(((await call('DescribeSnapshots', {})).Snapshots as Body[]).length, 0);
    assert.deepEqual((await adminOk(server, 'GET', '/instances')).Instances, []);
    assert.deepEqual((await adminOk(server, 'GET', '/faults')).FaultRules, []);
    assert.equal(((await adminOk(server, 'GET', `/accounts/${server.accountId}/throttle`)).Throttle as Body).IsDefault, true);
    const accounts = await server.services.accounts.listAccounts();
    assert.deepEqual(accounts.map((a) => a.id), [server.accountId]);
    assert.equal(await server.services.accounts.findKey(extra.accessKeyId), undefined);
    for (const region of ['cn-shenzhen-3']) {
      const files = await filesUnder(join(dir.path, 'engine', region));
      // The chunk store's index log stays, holding only the deletions.
      const data = files.filter((f) => /^(volumes|manifests|chunks|sessions)\//.test(f) && f !== 'chunks/packs/index.log');
      assert.deepEqual(data, [], 'no data left');
    }
    assert.equal((await adminOk(server, 'GET', '/jobs/mode')).Mode, 'manual', 'the job mode is kept');

    // Usable right away, with the root key.
    await adminOk(server, 'PUT', '/jobs/mode', { mode: 'immediate' });
    const fresh = await createDisk(call);
    await eventually(async () => ((await diskStatus(call, fresh)) === 'Available' ? true : undefined), 'new disk');
    const again = ((await call('CreateSnapshot', { DiskId: fresh, EnsRegionId: REGION })).SnapShotId as string[])[0]!;
    await eventually(async () => ((await snapshotStatus(call, again)) === 'available' ? true : undefined), 'new snapshot');
  });
});
