/**
 * Lazy restore end to end: a disk created from a snapshot of a 1 GiB disk is
 * `Available` as soon as its `disk.create` job has run, before `disk.fill`
 * ran; qemu-io reads the snapshot's bytes from it at once and writes to it; a
 * snapshot taken mid-fill holds the right bytes; after the jobs drain the
 * whole disk hashes as expected. The source snapshot cannot be deleted while
 * the fill is pending; a corrupt chunk gives EIO over NBD and a `Failed` disk;
 * deleting a disk mid-fill cancels its fill.
 *
 * The `disk.create` handler is run directly (as the job runner would) so the
 * state between the two jobs can be observed; `jobs.drain()` then runs the
 * queue, the create job again (a no-op) and the fill.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { DISK_CREATE_JOB } from '../../src/services/disks.js';
import type { JobRecord } from '../../src/store/records.js';
import { coreClient, type Body, type Call } from '../support/clients.js';
import { failure } from '../support/failures.js';
import { exportToFile, nbdUri, qemuIo, sha256File, tool } from '../support/nbd-tools.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { mustFindChunk } from '../../src/engine/testing/stored-chunks.js';

const REGION = 'cn-hangzhou-telecom';
const MiB = 1024 * 1024;

describe('CreateDisk from a snapshot: lazy restore', { timeout: 600_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let snapshotId = '';
  let snapshotFile = '';

  const uri = (diskId: string): string => nbdUri(server.nbd.host, server.nbd.port, diskId);
  const engineDir = (): string => join(dir.path, 'engine', REGION);
  const status = async (diskId: string): Promise<unknown> =>
    (((await call('DescribeDisks', { DiskId: diskId })).Disks as { Disks: Body[] }).Disks)[0]?.Status;
  const volumeFiles = async (diskId: string): Promise<string[]> =>
    (await readdir(join(engineDir(), 'volumes'))).filter((n) => n.startsWith(`${diskId}.`)).sort();

  /** CreateDisk from `snapshotId`, then its `disk.create` job, as the runner would run it (the fill stays queued). */
  async function createFromSnapshot(): Promise<string> {
    const diskId = ((await call('CreateDisk', {
      EnsRegionId: REGION, Category: 'cloud_ssd', SnapshotId: snapshotId, InstanceChargeType: 'PostPaid',
    })).InstanceIds as string[])[0]!;
    assert.equal(await status(diskId), 'Creating');
    const job = { id: 'job-direct', type: DISK_CREATE_JOB, payload: { diskId } } as const;
    await server.services.jobHandlers[DISK_CREATE_JOB]!.run(job.payload,
      { job: { ...job, status: 'running', attempts: 1, maxAttempts: 8, runAfter: 0, leaseOwner: null,
        leaseExpiresAt: null, lastError: '', createdAt: 0, updatedAt: 0 } satisfies JobRecord,
      signal: new AbortController().signal });
    return diskId;
  }

  before(async () => {
    dir = await tempDir('edgesnap-lazy-');
    server = await startTestServer(dir.path, { startJobs: false });
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    const source = ((await call('CreateDisk', {
      EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid',
    })).InstanceIds as string[])[0]!;
    await server.jobs.drain();
    await qemuIo(uri(source), 'write -P 0x11 0 4M', 'write -P 0x22 300M 8M', 'write -P 0x33 1023M 1M');
    const random = join(dir.path, 'random.img');
    await writeFile(random, randomBytes(24 * MiB));
    await tool('nbdcopy', [random, `${uri(source)}`]); // the first 24 MiB, random
    snapshotId = ((await call('CreateSnapshot', { EnsRegionId: REGION, DiskId: source })).SnapShotId as string[])[0]!;
    await server.jobs.drain();
    snapshotFile = join(dir.path, 'snapshot.raw');
    await exportToFile(uri(source), snapshotFile);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('is Available and readable before its fill ran, takes writes and snapshots mid-fill, and ends bit exact',
    async () => {
      const diskId = await createFromSnapshot();
      assert.equal(await status(diskId), 'Available');
      assert.ok((await volumeFiles(diskId)).includes(`${diskId}.lazy`), 'the fill has not run');
      const read = await qemuIo(uri(diskId), 'read -P 0x22 300M 8M', 'read -P 0x33 1023M 1M', 'read -P 0 512M 1M');
      assert.doesNotMatch(read, /Pattern verification failed|error/i);
      assert.deepEqual(await failure(call('DeleteSnapshot', { SnapshotId: snapshotId })), {
        status: 400, code: 'SNAPSHOT_CLONE_DISK_NOT_NULL',
        message: `A disk created from the snapshot ${snapshotId} is still being created from it.`,
      });

      // Writes into unfilled chunks (partial ones keep the rest of their chunk), then a snapshot, then more writes.
      const expected = join(dir.path, 'expected.raw');
      await copyFile(snapshotFile, expected);
      const patch = async (offset: number, length: number, byte: number): Promise<void> => {
        const fh = await open(expected, 'r+');
        await fh.write(Buffer.alloc(length, byte), 0, length, offset);
        await fh.close();
      };
      await qemuIo(uri(diskId), `write -P 0x77 ${300 * MiB + 4096} 4096`, `write -P 0x66 ${600 * MiB} ${MiB}`);
      await patch(300 * MiB + 4096, 4096, 0x77);
      await patch(600 * MiB, MiB, 0x66);
      const atSnapshot = join(dir.path, 'at-snapshot.raw');
      await copyFile(expected, atSnapshot);
      const midFill = ((await call('CreateSnapshot', { EnsRegionId: REGION, DiskId: diskId })).SnapShotId as string[])[0]!;
      await qemuIo(uri(diskId), `write -P 0x55 ${10 * MiB + 100} 1000`, `write -P 0x44 ${302 * MiB} 64k`);
      await patch(10 * MiB + 100, 1000, 0x55);
      await patch(302 * MiB, 65536, 0x44);

      await server.jobs.drain();
      assert.deepEqual(await volumeFiles(diskId), [`${diskId}.alloc`, `${diskId}.raw`], 'the fill finished');
      const whole = join(dir.path, 'restored.raw');
      await exportToFile(uri(diskId), whole);
      assert.equal(await sha256File(whole), await sha256File(expected));

      const fromMidFill = ((await call('CreateDisk', {
        EnsRegionId: REGION, Category: 'cloud_ssd', SnapshotId: midFill, InstanceChargeType: 'PostPaid',
      })).InstanceIds as string[])[0]!;
      await server.jobs.drain();
      const copy = join(dir.path, 'mid-fill.raw');
      await exportToFile(uri(fromMidFill), copy);
      assert.equal(await sha256File(copy), await sha256File(atSnapshot), 'the mid-fill snapshot holds its instant');
    });

  it('deleting a disk mid-fill cancels the fill and frees the source snapshot', async () => {
    const diskId = await createFromSnapshot();
    await call('DeleteDisk', { DiskId: diskId });
    await server.jobs.drain();
    assert.deepEqual(await volumeFiles(diskId), []);
    const failed = await server.services.disks.describe({ accountId: server.accountId, diskIds: [diskId], offset: 0, limit: 1 });
    assert.deepEqual(failed.items, []);
  });

  it('a corrupt chunk answers EIO over NBD, fails the fill and marks the disk Failed', async () => {
    const manifest = JSON.parse(await readFile(join(engineDir(), 'manifests', `${snapshotId}.json`), 'utf8')) as
      { chunks: (string | null)[]; chunkSize: number };
    const stored = (digest: string) => mustFindChunk(join(engineDir(), 'chunks'), digest);
    const at300M = (300 * MiB) / manifest.chunkSize; // the chunk holding offset 300 MiB
    const target = await stored(manifest.chunks[at300M]!);
    const original = await target.read();
    const diskId = await createFromSnapshot();
    // A byte flipped near the end of the chunk at 300 MiB (in the zstd frame's checksum, or in the raw bytes).
    const flipped = Buffer.from(original);
    flipped[flipped.length - 5]! ^= 0xff;
    await target.write(flipped);
    try {
      // qemu-io exits 1 and reports the failed read on stdout.
      const bad = await qemuIo(uri(diskId), 'read 300M 64k').then(() => 'succeeded', (err: { stdout?: string }) => err.stdout);
      assert.match(String(bad), /read failed: Input\/output error/);
      const fine = await qemuIo(uri(diskId), 'read -P 0x33 1023M 1M');
      assert.doesNotMatch(fine, /Pattern verification failed|error/i);
      await server.jobs.drain();
      assert.equal(await status(diskId), 'Failed');
    } finally {
      await target.write(original);
    }
    await call('DeleteDisk', { DiskId: diskId });
    await server.jobs.drain();
    assert.deepEqual(await volumeFiles(diskId), []);
    await call('DeleteSnapshot', { SnapshotId: snapshotId }); // no disk depends on it any more
  });
});
