/**
 * SIGKILL during CreateSnapshot (the request and its job, with writes continuing through NBD after the answer)
 * and during DeleteSnapshot of a snapshot whose chunks another snapshot shares; restart; check the invariants
 * (harness/invariants.ts) and that surviving snapshots restore bit for bit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MiB, noise, writeImage } from './harness/image.js';
import { NbdClient } from './harness/nbd-client.js';
import { assertRestores } from './harness/restore-check.js';
import { CrashRig, TRIALS } from './harness/rig.js';

const IMAGE = 24 * MiB;

describe('crash: CreateSnapshot and DeleteSnapshot', { timeout: 60_000 + TRIALS * 60_000 }, () => {
  let rig: CrashRig;
  before(async () => {
    rig = await CrashRig.open(1);
  });
  after(async () => rig?.close());

  it(`CreateSnapshot killed at a random moment (${TRIALS} trials): the snapshot settles and restores the image of its instant`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const seed = rig.rng.int(1, 2 ** 31);
      const diskId = await rig.api.createDisk();
      const image = noise(seed, IMAGE);
      await writeImage(rig.nbdPort, diskId, image);
      let snapshotId: string | undefined;
      const outcome = await rig.killDuring(0, 1200, async () => {
        snapshotId = await rig.api.createSnapshot(diskId);
        // Keep overwriting the disk: copy-before-write must keep the snapshot at its instant.
        const nbd = await NbdClient.open(rig.nbdPort, diskId);
        for (let i = 0; ; i++) await nbd.write((i % (IMAGE / MiB)) * MiB, noise(seed + 1 + i, MiB));
      });
      const world = await rig.check();
      const ofDisk = world.snapshots.filter((s) => s.SourceDiskId === diskId);
      if (snapshotId !== undefined) assert.ok(ofDisk.some((s) => s.SnapshotId === snapshotId), 'an answered snapshot exists');
      assert.ok(ofDisk.length <= 1, 'one CreateSnapshot made at most one snapshot');
      for (const s of ofDisk.filter((x) => x.Status === 'available')) await assertRestores(rig, s.SnapshotId, image);
      console.log(`# trial ${trial}: killed after ${outcome.delayMs} ms; answered: ${snapshotId ?? 'no'}; ` +
        `settled: ${ofDisk.map((s) => s.Status).join(',') || 'none'}`);
    }
  });

  it(`DeleteSnapshot killed at a random moment (${TRIALS} trials): gone or intact, and the snapshot sharing its chunks intact`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const seed = rig.rng.int(1, 2 ** 31);
      const diskId = await rig.api.createDisk();
      const first = noise(seed, IMAGE);
      await writeImage(rig.nbdPort, diskId, first);
      const victim = await rig.api.createSnapshot(diskId);
      assert.equal(await rig.api.settledSnapshot(victim), 'available');
      // The second image shares its second half with the first: deleting the first must keep those chunks.
      const second = Buffer.concat([noise(seed + 1, IMAGE / 2), first.subarray(IMAGE / 2)]);
      await writeImage(rig.nbdPort, diskId, second);
      const keeper = await rig.api.createSnapshot(diskId);
      assert.equal(await rig.api.settledSnapshot(keeper), 'available');

      rig.deleted.add(victim);
      const outcome = await rig.killDuring(0, 40, () => rig.api.call('DeleteSnapshot', { SnapshotId: victim }));
      const world = await rig.check();
      const row = world.snapshots.find((s) => s.SnapshotId === victim);
      if (outcome.error === undefined) assert.equal(row, undefined, 'an answered DeleteSnapshot is not undone by a crash');
      if (row?.Status === 'available') await assertRestores(rig, victim, first);
      await assertRestores(rig, keeper, second);
      console.log(`# trial ${trial}: killed after ${outcome.delayMs} ms; answered: ${outcome.error === undefined}; ` +
        `victim: ${row?.Status ?? 'gone'}`);
    }
  });
});
