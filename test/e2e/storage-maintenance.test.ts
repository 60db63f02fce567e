/**
 * Storage maintenance through the admin API: after DeleteSnapshot, garbage collection frees the chunks no other
 * snapshot shares (once the engine's reuse safety margin has passed on the service's clock), and a scrub reports
 * a damaged chunk file. Both refuse an unknown region with a catalog code.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/kernel/clock.js';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, type Body, type Call } from '../support/clients.js';
import { nbdUri, qemuIo } from '../support/nbd-tools.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { mustFindChunk, storedDigests } from '../../src/engine/testing/stored-chunks.js';

const REGION = 'cn-dalian-unicom';

interface RegionAnswer {
  EnsRegionId: string; ChunksDeleted?: number; BytesReclaimed?: number;
  Checked?: number; Damaged?: string[]; Missing?: string[];
}

describe('storage maintenance (admin API)', { timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  const clock = new ManualClock(Date.now());
  const admin = async (path: string, body: unknown = {}): Promise<{ status: number; body: Body }> => {
    const res = await fetch(`http://${server.api.host}:${server.api.port}/admin/v1${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${server.adminToken}` }, body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };
  const region = (answer: { body: Body }): RegionAnswer =>
    (answer.body.Regions as RegionAnswer[]).find((r) => r.EnsRegionId === REGION)!;
  const snapshotOf = async (diskId: string): Promise<string> => {
    const id = ((await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION })).SnapShotId as string[])[0]!;
    await server.jobs.drain();
    return id;
  };

  before(async () => {
    dir = await tempDir('edgesnap-storage-');
    server = await startTestServer(dir.path, { clock, startJobs: false });
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('collects the chunks of a deleted snapshot once the safety margin has passed, keeps shared ones', async () => {
    const diskId = ((await call('CreateDisk', {
      EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid',
    })).InstanceIds as string[])[0]!;
    await server.jobs.drain();
    const uri = nbdUri(server.nbd.host, server.nbd.port, diskId);
    await qemuIo(uri, 'write -P 0x11 0 4M');
    const kept = await snapshotOf(diskId);
    await qemuIo(uri, 'write -P 0x22 0 2M', 'write -P 0x33 8M 2M');
    const dropped = await snapshotOf(diskId);
    await call('DeleteSnapshot', { SnapshotId: dropped });
    await server.jobs.drain();
    // Within the margin nothing is collected: a snapshot being written may be about to reuse those chunks.
    assert.equal(region(await admin('/storage/gc', { regionId: REGION })).ChunksDeleted, 0);
    clock.advance(6 * 60_000); // past the 5-minute margin, inside the 15-minute signature window
    const gc = await admin('/storage/gc');
    assert.equal(gc.status, 200);
    // The deleted snapshot alone held a 0x22 and a 0x33 chunk (each written twice: deduplicated).
    assert.equal(region(gc).ChunksDeleted, 2);
    assert.ok(region(gc).BytesReclaimed! > 0, 'two of the pack\'s three chunks gone: the pack was rewritten');
    const scrub = region(await admin('/storage/scrub', { regionId: REGION }));
    assert.deepEqual([scrub.Checked, scrub.Damaged, scrub.Missing], [1, [], []], 'the kept snapshot: one 0x11 chunk');
    const restored = ((await call('CreateDisk', {
      EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', SnapshotId: kept,
    })).InstanceIds as string[])[0]!;
    await server.jobs.drain();
    assert.doesNotMatch(await qemuIo(nbdUri(server.nbd.host, server.nbd.port, restored), 'read -P 0x11 0 4M'),
      /Pattern verification failed/);
  });

  it('a scrub names a damaged chunk', async () => {
    const chunks = join(dir.path, 'engine', REGION, 'chunks');
    const digests = [...await storedDigests(chunks)];
    assert.equal(digests.length, 1);
    const chunk = await mustFindChunk(chunks, digests[0]!);
    const bad = Buffer.from('not the chunk it claims to be ');
    await chunk.write(Buffer.concat([bad, Buffer.alloc(chunk.length - bad.length)]));
    const scrub = region(await admin('/storage/scrub', { regionId: REGION }));
    assert.deepEqual(scrub.Damaged, digests);
  });

  it('refuses an unknown region', async () => {
    const res = await admin('/storage/gc', { regionId: 'mars-1' });
    assert.deepEqual([res.status, res.body.Code], [400, 'InvalidParameter.RegionId']);
  });
});
