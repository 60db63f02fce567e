/**
 * The real command, killed with SIGKILL while snapshot and restore jobs run:
 * after a restart the jobs resume from where they were, the snapshot settles
 * `available` and restores bit for bit to the point-in-time image.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { coreClient, type Body, type Call } from '../support/clients.js';
import { nbdUri, qemuIo } from '../support/nbd-tools.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { eventually, tempDir, TEST_CREDENTIALS } from '../support/server.js';

const REGION = 'ch-zurich-1';

describe('SIGKILL during jobs, then restart', { timeout: 600_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let proc: ServerProcess;
  let call: Call;
  const start = async (): Promise<void> => {
    proc = await spawnServer(dir.path);
    call = coreClient(proc.api, TEST_CREDENTIALS);
  };
  const uri = (id: string): string => nbdUri('127.0.0.1', proc.nbdPort, id);
  const diskStatus = async (id: string): Promise<unknown> =>
    ((await call('DescribeDisks', { DiskId: id })).Disks as { Disks: Body[] }).Disks[0]?.Status;
  const snapStatus = async (id: string): Promise<unknown> =>
    ((await call('DescribeSnapshots', { SnapshotId: id })).Snapshots as Body[])[0]?.Status;

  before(async () => {
    dir = await tempDir('edgesnap-crash-');
    await start();
  });
  after(async () => {
    await proc?.kill();
    await dir?.remove();
  });

  it('prints where the API, NBD and credentials are', () => {
    assert.match(proc.output(), /serving the ENS API \(2017-11-10\) at http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(proc.output(), /nbd:\/\/127\.0\.0\.1:\d+\/<DiskId>/);
    assert.match(proc.output(), new RegExp(`root AccessKeyId ${TEST_CREDENTIALS.accessKeyId}`));
    assert.doesNotMatch(proc.output(), new RegExp(TEST_CREDENTIALS.accessKeySecret), 'the secret is never printed');
  });

  it('a snapshot job killed mid-way resumes after restart and restores bit for bit', async () => {
    // 64 GiB (sparse): big enough that its snapshot job is still running when the process is killed.
    const created = await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '64', InstanceChargeType: 'PostPaid' });
    const diskId = (created.InstanceIds as string[])[0]!;
    await eventually(async () => ((await diskStatus(diskId)) === 'Available' ? true : undefined), 'disk available');
    await qemuIo(uri(diskId), 'write -P 0x61 0 2M', 'write -P 0x62 7G 5M', 'write -P 0x63 19G 1M');
    const res = await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION });
    const snapshotId = (res.SnapShotId as string[])[0]!;
    await qemuIo(uri(diskId), 'write -P 0x71 0 1M', 'write -P 0x72 7G 1M', 'write -P 0x73 19G 1M');
    assert.equal(await snapStatus(snapshotId), 'creating', 'a 64 GiB snapshot is still being read');
    await proc.kill('SIGKILL');

    await start();
    // After the restart, writes to chunks the job has not read yet are still copied before written.
    await qemuIo(uri(diskId), 'write -P 0x81 19G 1M', 'write -P 0x82 7G 4M');
    await eventually(async () => ((await snapStatus(snapshotId)) === 'available' ? true : undefined), 'snapshot available', 300_000);

    const restoredRes = await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', SnapshotId: snapshotId, InstanceChargeType: 'PostPaid' });
    const restored = (restoredRes.InstanceIds as string[])[0]!;
    // Kill during the restore too.
    await new Promise((r) => setTimeout(r, 300));
    await proc.kill('SIGKILL');
    await start();
    await eventually(async () => ((await diskStatus(restored)) === 'Available' ? true : undefined), 'restored disk', 300_000);
    const out = await qemuIo(uri(restored), 'read -P 0x61 0 2M', 'read -P 0x62 7G 5M', 'read -P 0x63 19G 1M',
      'read -P 0 2M 1M', 'read -P 0 18G 1M');
    assert.doesNotMatch(out, /Pattern verification failed|error/i);
    const live = await qemuIo(uri(diskId), 'read -P 0x71 0 1M', 'read -P 0x82 7G 4M', 'read -P 0x81 19G 1M');
    assert.doesNotMatch(live, /Pattern verification failed|error/i);
  });

  it('a clean stop and start keeps everything (SIGTERM)', async () => {
    const before = await call('DescribeDisks', {});
    const snapsBefore = await call('DescribeSnapshots', {});
    assert.equal(await proc.kill('SIGTERM'), 0, 'exits cleanly on SIGTERM');
    await start();
    assert.deepEqual((await call('DescribeDisks', {})).Disks, before.Disks);
    assert.deepEqual((await call('DescribeSnapshots', {})).Snapshots, snapsBefore.Snapshots);
    const source = ((before.Disks as { Disks: Body[] }).Disks).find((d) => d.SnapshotId === '')!;
    const out = await qemuIo(uri(String(source.DiskId)), 'read -P 0x71 0 1M', 'read -P 0x82 7G 4M', 'read -P 0x81 19G 1M');
    assert.doesNotMatch(out, /Pattern verification failed|error/i);
  });
});
