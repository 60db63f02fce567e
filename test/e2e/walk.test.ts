/**
 * The user's walk of issue #2, end to end through the official clients and the
 * real NBD tools: regions → disk → write over NBD → snapshot while writing →
 * restart → restore into a new disk, bit for bit the point-in-time image →
 * delete everything.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, teaClient, type Body, type Call } from '../support/clients.js';
import { exportToFile, nbdUri, qemuIo, sha256File, tool } from '../support/nbd-tools.js';
import { eventually, startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';

const REGION = 'cn-hangzhou-telecom';

describe('the CreateSnapshot walk, end to end', { timeout: 600_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let core: Call;
  let popGet: Call;
  let popPost: Call;
  let teaBody: Call;

  const connect = (s: RunningEdgesnap): void => {
    const endpoint = `${s.api.host}:${s.api.port}`;
    core = coreClient(endpoint, TEST_CREDENTIALS);
    popGet = popClient(endpoint, TEST_CREDENTIALS, 'GET');
    popPost = popClient(endpoint, TEST_CREDENTIALS, 'POST');
    teaBody = teaClient(endpoint, TEST_CREDENTIALS, 'body');
  };
  const uri = (diskId: string): string => nbdUri(server.nbd.host, server.nbd.port, diskId);
  const disk = async (diskId: string): Promise<Body | undefined> => {
    const res = await core('DescribeDisks', { DiskId: diskId });
    return ((res.Disks as { Disks: Body[] }).Disks)[0];
  };
  const whenDiskAvailable = (diskId: string): Promise<Body> =>
    eventually(async () => {
      const d = await disk(diskId);
      return d?.Status === 'Available' ? d : undefined;
    }, `disk ${diskId} Available`);

  before(async () => {
    dir = await tempDir('edgesnap-walk-');
    server = await startTestServer(dir.path);
    connect(server);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  let sourceDisk = '';
  let snapshotId = '';
  let pointInTimeSha = '';

  it('lists the ENS regions', async () => {
    const res = await core('DescribeEnsRegions');
    const ids = (res.EnsRegions as { EnsRegions: Body[] }).EnsRegions.map((r) => r.EnsRegionId);
    assert.ok(ids.includes(REGION));
    assert.equal(typeof res.RequestId, 'string');
  });

  it('creates a disk that becomes Available, sized in MiB', async () => {
    const res = await core('CreateDisk', {
      EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid',
    });
    const ids = res.InstanceIds as string[];
    assert.equal(ids.length, 1);
    assert.match(ids[0]!, /^d-[a-z0-9]{24}$/);
    sourceDisk = ids[0]!;
    const d = await whenDiskAvailable(sourceDisk);
    assert.equal(d.Size, 1024);
    assert.equal(d.Category, 'cloud_ssd');
    assert.equal(d.EnsRegionId, REGION);
  });

  it('takes writes over NBD from qemu-io, qemu-img and nbdcopy', async () => {
    await qemuIo(uri(sourceDisk), 'write -P 0x11 0 4M', 'write -P 0x22 100M 3M', 'write -P 0x33 1023M 1M');
    const random = join(dir.path, 'random.img');
    await writeFile(random, randomBytes(16 * 2 ** 20));
    await tool('nbdcopy', [random, uri(sourceDisk)]);
    const read = await qemuIo(uri(sourceDisk), 'read -P 0x22 100M 3M', 'read -P 0x33 1023M 1M');
    assert.doesNotMatch(read, /Pattern verification failed/);
  });

  it('snapshots the disk while it keeps being written, and records an order', async () => {
    const before = join(dir.path, 'before.raw');
    await exportToFile(uri(sourceDisk), before);
    pointInTimeSha = await sha256File(before);
    const res = await core('CreateSnapshot', {
      EnsRegionId: REGION, DiskId: sourceDisk, SnapshotName: 'walk-snapshot', Description: 'taken during writes',
    });
    assert.ok(Array.isArray(res.SnapShotId), 'SnapShotId is an array');
    snapshotId = (res.SnapShotId as string[])[0]!;
    assert.match(snapshotId, /^s-[a-z0-9]{24}$/);
    assert.match(String(res.OrderId), /^[1-9]\d{14}$/);
    assert.match(String(res.RequestId), /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    // Writes right after the call must not reach the snapshot.
    await qemuIo(uri(sourceDisk), 'write -P 0x44 0 8M', 'write -P 0x55 512M 64M', 'write -z 100M 3M');
    const order = await server.services.snapshots.describe({ accountId: server.accountId, snapshotIds: [snapshotId], offset: 0, limit: 1 });
    assert.equal(order.items[0]!.orderId, res.OrderId);
  });

  it('shows the snapshot creating, then available, in a flat Snapshots[] (pop-core GET)', async () => {
    const first = await popGet('DescribeSnapshots', { SnapshotId: snapshotId });
    const item = (first.Snapshots as Body[])[0]!;
    assert.ok(['creating', 'available'].includes(String(item.Status)));
    const done = await eventually(async () => {
      const r = await popGet('DescribeSnapshots', { SnapshotId: snapshotId });
      const s = (r.Snapshots as Body[])[0];
      return s?.Status === 'available' ? s : undefined;
    }, 'snapshot available');
    assert.equal(done.SourceDiskId, sourceDisk);
    assert.equal(done.SnapshotName, 'walk-snapshot');
    assert.equal(done.Description, 'taken during writes');
    assert.equal(done.EnsRegionId, REGION);
    assert.equal(done.Size, '1024');
    assert.match(String(done.CreationTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('keeps every disk, snapshot and byte across a restart', async () => {
    const liveBefore = join(dir.path, 'live-before-restart.raw');
    await exportToFile(uri(sourceDisk), liveBefore);
    await server.close();
    server = await startTestServer(dir.path);
    connect(server);
    const liveAfter = join(dir.path, 'live-after-restart.raw');
    await exportToFile(uri(sourceDisk), liveAfter);
    assert.equal(await sha256File(liveAfter), await sha256File(liveBefore));
    const snaps = await core('DescribeSnapshots', {});
    assert.deepEqual((snaps.Snapshots as Body[]).map((s) => [s.SnapshotId, s.Status]), [[snapshotId, 'available']]);
  });

  let restoredDisk = '';
  it('restores the snapshot into a new disk holding exactly the point-in-time bytes (pop-core POST)', async () => {
    const res = await popPost('CreateDisk', {
      EnsRegionId: REGION, Category: 'cloud_efficiency', SnapshotId: snapshotId, InstanceChargeType: 'PostPaid',
    });
    restoredDisk = (res.InstanceIds as string[])[0]!;
    const d = await whenDiskAvailable(restoredDisk);
    assert.equal(d.SnapshotId, snapshotId);
    assert.equal(d.Size, 1024);
    const restored = join(dir.path, 'restored.raw');
    await exportToFile(uri(restoredDisk), restored);
    assert.equal(await sha256File(restored), pointInTimeSha, 'restored disk = disk at CreateSnapshot');
    const live = join(dir.path, 'live.raw');
    await exportToFile(uri(sourceDisk), live);
    assert.notEqual(await sha256File(live), pointInTimeSha, 'the later writes stayed on the live disk only');
  });

  it('deletes the snapshot and both disks (openapi-client, form body)', async () => {
    await teaBody('DeleteSnapshot', { SnapshotId: snapshotId });
    const snaps = await core('DescribeSnapshots', { SnapshotId: snapshotId });
    assert.deepEqual(snaps.Snapshots, []);
    for (const id of [restoredDisk, sourceDisk]) {
      const res = await teaBody('DeleteDisk', { DiskId: id });
      assert.equal(res.Code, 0);
    }
    const disks = await core('DescribeDisks', {});
    assert.deepEqual(disks.Disks, { Disks: [] });
    await assert.rejects(qemuIo(uri(sourceDisk), 'read 0 4k'));
  });
});
