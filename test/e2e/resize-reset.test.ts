/**
 * ResizeDisk and ResetDisk end to end: the API's rules (exact error codes),
 * what NBD clients see on new connections, and the bytes after each.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, type Body, type Call } from '../support/clients.js';
import { exportToFile, nbdUri, qemuIo, sha256File, tool } from '../support/nbd-tools.js';
import { SMALL_REGIONS, startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { failure as answered } from '../support/failures.js';

const REGION = 'cn-shenzhen-3';
const GiB = 2 ** 30;

/** Status and code of a call that must fail (these tests compare those two). */
async function failure(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  const { status, code } = await answered(p);
  return { status, code };
}

describe('ResizeDisk', { timeout: 180_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let diskId = '';
  const uri = (id: string): string => nbdUri(server.nbd.host, server.nbd.port, id);
  const disk = async (id: string): Promise<Body> =>
    ((await call('DescribeDisks', { DiskId: id })).Disks as { Disks: Body[] }).Disks[0]!;
  const newDisk = async (params: Record<string, string>): Promise<string> =>
    ((await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', ...params }))
      .InstanceIds as string[])[0]!;

  before(async () => {
    dir = await tempDir('edgesnap-resize-');
    server = await startTestServer(dir.path, {
      startJobs: false, regions: SMALL_REGIONS.map((r) => ({ ...r, diskMaxGiB: 4 })),
    });
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    diskId = await newDisk({ Size: '1' });
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('refuses a disk being created, unknown disks and bad sizes with exact codes', async () => {
    assert.deepEqual(await failure(call('ResizeDisk', { DiskId: diskId, NewSize: '2' })),
      { status: 400, code: 'IncorrectDiskStatus' });
    await server.jobs.drain();
    assert.deepEqual(await failure(call('ResizeDisk', { DiskId: 'd-nope', NewSize: '2' })),
      { status: 404, code: 'InvalidDiskId.NotFound' });
    assert.deepEqual(await failure(call('ResizeDisk', { DiskId: diskId })), { status: 400, code: 'MissingNewSize' });
    assert.deepEqual(await failure(call('ResizeDisk', { NewSize: '2' })), { status: 400, code: 'MissingDiskId' });
    for (const bad of ['1', '0', 'abc', '5', '2.5']) {
      assert.deepEqual(await failure(call('ResizeDisk', { DiskId: diskId, NewSize: bad })),
        { status: 400, code: 'InvalidParameter.NewSize' }, bad);
    }
    assert.equal((await disk(diskId)).Size, 1024);
  });

  it('refuses while a snapshot of the disk is creating', async () => {
    await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION });
    assert.deepEqual(await failure(call('ResizeDisk', { DiskId: diskId, NewSize: '2' })),
      { status: 400, code: 'IncorrectDiskStatus' });
    await server.jobs.drain();
  });

  it('grows the disk: new size in DescribeDisks and on new NBD connections, old data intact, new range writable',
    async () => {
      await qemuIo(uri(diskId), 'write -P 0x11 0 1M', `write -P 0x22 ${GiB - 2 ** 20} 1M`);
      const res = await call('ResizeDisk', { DiskId: diskId, NewSize: '2' });
      assert.match(res.OrderId as string, /^\d{15}$/);
      assert.equal((await disk(diskId)).Size, 2048);
      assert.equal((await tool('nbdinfo', ['--size', uri(diskId)])).trim(), String(2 * GiB));
      assert.doesNotMatch(await qemuIo(uri(diskId), 'read -P 0x11 0 1M', `read -P 0x22 ${GiB - 2 ** 20} 1M`,
        `read -P 0 ${GiB} 64M`), /Pattern verification failed/);
      await qemuIo(uri(diskId), `write -P 0x33 ${GiB + 5 * 2 ** 20} 1M`, `write -P 0x44 ${2 * GiB - 2 ** 20} 1M`);
      const out = await qemuIo(uri(diskId), `read -P 0x33 ${GiB + 5 * 2 ** 20} 1M`, `read -P 0x44 ${2 * GiB - 2 ** 20} 1M`);
      assert.doesNotMatch(out, /Pattern verification failed/);
      // A second resize of the same disk is a second order.
      const again = await call('ResizeDisk', { DiskId: diskId, NewSize: '3' });
      assert.notEqual(again.OrderId, res.OrderId);
      assert.equal((await disk(diskId)).Size, 3072);
    });

  it('a snapshot taken after resizing restores at the new size', async () => {
    const snap = ((await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION })).SnapShotId as string[])[0]!;
    await server.jobs.drain();
    const copy = await newDisk({ SnapshotId: snap });
    await server.jobs.drain();
    assert.equal((await disk(copy)).Size, 3072);
    assert.equal((await tool('nbdinfo', ['--size', uri(copy)])).trim(), String(3 * GiB));
    const out = await qemuIo(uri(copy), 'read -P 0x11 0 1M', `read -P 0x22 ${GiB - 2 ** 20} 1M`,
      `read -P 0x33 ${GiB + 5 * 2 ** 20} 1M`, `read -P 0x44 ${2 * GiB - 2 ** 20} 1M`, `read -P 0 ${2 * GiB} 64M`);
    assert.doesNotMatch(out, /Pattern verification failed/);
  });
});

describe('ResetDisk', { timeout: 180_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let diskId = '';
  let snapA = '';
  const uri = (id: string): string => nbdUri(server.nbd.host, server.nbd.port, id);
  const status = async (id: string): Promise<unknown> =>
    ((await call('DescribeDisks', { DiskId: id })).Disks as { Disks: Body[] }).Disks[0]!.Status;
  const newDisk = async (): Promise<string> => {
    const res = await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', Size: '1' });
    await server.jobs.drain();
    return (res.InstanceIds as string[])[0]!;
  };
  const snapshot = async (id: string): Promise<string> =>
    ((await call('CreateSnapshot', { DiskId: id, EnsRegionId: REGION })).SnapShotId as string[])[0]!;
  const diskHash = async (id: string): Promise<string> => {
    const file = `${dir.path}/image-${id}.raw`;
    await exportToFile(uri(id), file);
    try {
      return await sha256File(file);
    } finally {
      await rm(file, { force: true });
    }
  };

  before(async () => {
    dir = await tempDir('edgesnap-reset-');
    server = await startTestServer(dir.path, { startJobs: false });
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    diskId = await newDisk();
    await qemuIo(uri(diskId), 'write -P 0x11 0 4M', 'write -P 0x12 512M 2M');
    snapA = await snapshot(diskId);
    await server.jobs.drain();
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('refuses bad requests with exact codes', async () => {
    const other = await newDisk();
    const otherSnap = await snapshot(other);
    await server.jobs.drain();
    const pending = await snapshot(diskId); // stays creating: jobs run only when drained
    const cases: [Record<string, string>, number, string][] = [
      [{ DiskId: diskId }, 400, 'MissingSnapshotId'],
      [{ SnapshotId: snapA }, 400, 'MissingDiskId'],
      [{ DiskId: 'd-nope', SnapshotId: snapA }, 404, 'InvalidDiskId.NotFound'],
      [{ DiskId: diskId, SnapshotId: 's-nope' }, 404, 'ERROR_SNAPSHOT_NOT_FOUND'],
      [{ DiskId: diskId, SnapshotId: otherSnap }, 400, 'InvalidParameter.SnapshotId'],
      [{ DiskId: diskId, SnapshotId: pending }, 400, 'DISK_SNAPSHOT_STATUS_NOT_MATCH'],
      [{ DiskId: diskId, SnapshotId: snapA }, 400, 'IncorrectDiskStatus'], // a snapshot of it is creating
    ];
    for (const [params, httpStatus, code] of cases) {
      assert.deepEqual(await failure(call('ResetDisk', params)), { status: httpStatus, code }, JSON.stringify(params));
    }
    await server.jobs.drain();
    await call('DeleteSnapshot', { SnapshotId: pending });
    await server.jobs.drain();
    assert.deepEqual(await failure(call('ResetDisk', { DiskId: diskId, SnapshotId: pending })),
      { status: 404, code: 'ERROR_SNAPSHOT_NOT_FOUND' });
  });

  it('rolls the disk back to the snapshot: ReIniting (not served) while the job runs, then exactly A', async () => {
    const hashA = await diskHash(diskId);
    await qemuIo(uri(diskId), 'write -P 0x22 1M 1M', 'write -P 0x23 100M 1M');
    assert.doesNotMatch(await qemuIo(uri(diskId), 'read -P 0x22 1M 1M', 'read -P 0x23 100M 1M'), /verification failed/);
    assert.deepEqual(Object.keys(await call('ResetDisk', { DiskId: diskId, SnapshotId: snapA })), ['RequestId']);
    assert.equal(await status(diskId), 'ReIniting');
    await assert.rejects(tool('nbdinfo', ['--size', uri(diskId)]));
    for (const [action, params, code] of [
      ['ResetDisk', { DiskId: diskId, SnapshotId: snapA }, 'IncorrectDiskStatus'],
      ['ResizeDisk', { DiskId: diskId, NewSize: '2' }, 'IncorrectDiskStatus'],
      ['CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION }, 'IncorrectDiskStatus'],
      ['DeleteDisk', { DiskId: diskId }, 'IncorrectDiskStatus'],
      ['DeleteSnapshot', { SnapshotId: snapA }, 'DISK_SNAPSHOT_STATUS_NOT_MATCH'],
    ] as const) {
      assert.equal((await failure(call(action, params))).code, code, action);
    }
    await server.jobs.drain();
    assert.equal(await status(diskId), 'Available');
    assert.equal(await diskHash(diskId), hashA);
  });
});
