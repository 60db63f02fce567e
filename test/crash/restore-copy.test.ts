/**
 * SIGKILL during a restore (CreateDisk from a snapshot) and during CopySnapshot to another region; restart; check
 * the invariants, that the restored disk settles Available with the snapshot's bytes and that a copy settles
 * `available` (restoring bit for bit in its own region) or `error`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OTHER_REGION, REGION } from './harness/api.js';
import { MiB, noise, writeImage } from './harness/image.js';
import { assertDiskHolds, assertRestores } from './harness/restore-check.js';
import { CrashRig, TRIALS } from './harness/rig.js';

const IMAGE = 24 * MiB;

describe('crash: restore and CopySnapshot', { timeout: 60_000 + TRIALS * 60_000 }, () => {
  let rig: CrashRig;
  before(async () => {
    rig = await CrashRig.open(2);
  });
  after(async () => rig?.close());

  /** A disk holding a fresh image and an `available` snapshot of it. */
  async function snapshotOfImage(): Promise<{ snapshotId: string; image: Buffer }> {
    const diskId = await rig.api.createDisk();
    const image = noise(rig.rng.int(1, 2 ** 31), IMAGE);
    await writeImage(rig.nbdPort, diskId, image);
    const snapshotId = await rig.api.createSnapshot(diskId);
    assert.equal(await rig.api.settledSnapshot(snapshotId), 'available');
    return { snapshotId, image };
  }

  it(`CreateDisk from a snapshot killed at a random moment (${TRIALS} trials): the disk settles with the snapshot's bytes`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const { snapshotId, image } = await snapshotOfImage();
      let restored: string | undefined;
      const outcome = await rig.killDuring(0, 500, async () => {
        const res = await rig.api.call('CreateDisk', {
          EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', SnapshotId: snapshotId,
        });
        restored = (res.InstanceIds as string[])[0]!;
        await rig.api.settledDisk(restored);
      });
      const world = await rig.check();
      const disks = world.disks.filter((d) => d.SnapshotId === snapshotId);
      if (restored !== undefined) assert.ok(disks.some((d) => d.DiskId === restored), 'an answered CreateDisk exists');
      assert.ok(disks.length <= 1, 'one CreateDisk made at most one disk');
      for (const d of disks) {
        assert.equal(d.Status, 'Available', `restored disk ${d.DiskId} settles Available`);
        await assertDiskHolds(rig, d.DiskId, image, `disk ${d.DiskId} restored from ${snapshotId} across a crash`);
      }
      console.log(`# trial ${trial}: killed after ${outcome.delayMs} ms; answered: ${restored ?? 'no'}; settled before the kill: ${outcome.error === undefined}; ` +
        `settled: ${disks.map((d) => d.Status).join(',') || 'none'}`);
    }
  });

  it(`CopySnapshot killed at a random moment (${TRIALS} trials): the copy settles and restores bit for bit`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const { snapshotId, image } = await snapshotOfImage();
      let copyId: string | undefined;
      const outcome = await rig.killDuring(0, 600, async () => {
        const res = await rig.api.call('CopySnapshot', { SnapshotId: snapshotId, DestinationRegionIds: JSON.stringify([OTHER_REGION]) });
        copyId = (res.AllocationId as { InstanceId: string[] }[])[0]!.InstanceId[0]!;
        await rig.api.settledSnapshot(copyId);
      });
      const world = await rig.check();
      const copies = world.snapshots.filter((s) => s.SourceSnapshotId === snapshotId && s.EnsRegionId === OTHER_REGION);
      if (copyId !== undefined) assert.ok(copies.some((s) => s.SnapshotId === copyId), 'an answered copy exists');
      assert.ok(copies.length <= 1, 'one CopySnapshot made at most one copy per destination');
      for (const c of copies.filter((s) => s.Status === 'available')) await assertRestores(rig, c.SnapshotId, image, OTHER_REGION);
      await assertRestores(rig, snapshotId, image);
      console.log(`# trial ${trial}: killed after ${outcome.delayMs} ms; answered: ${copyId ?? 'no'}; settled before the kill: ${outcome.error === undefined}; ` +
        `settled: ${copies.map((s) => s.Status).join(',') || 'none'}`);
    }
  });
});
