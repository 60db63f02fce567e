/**
 * SIGKILL during ResetDisk (the rollback job) and during a billing run; restart; check the invariants, that the
 * disk holds either its image before the reset or the snapshot's image — never a mix — and the snapshot's image
 * when ResetDisk had answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { difference, MiB, noise, readImage, writeImage } from './harness/image.js';
import { CrashRig, TRIALS } from './harness/rig.js';

const IMAGE = 24 * MiB;

describe('crash: ResetDisk and billing runs', { timeout: 60_000 + TRIALS * 60_000 }, () => {
  let rig: CrashRig;
  before(async () => {
    rig = await CrashRig.open(3);
  });
  after(async () => rig?.close());

  it(`ResetDisk killed at a random moment (${TRIALS} trials): the disk is rolled back entirely or not at all`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const seed = rig.rng.int(1, 2 ** 31);
      const diskId = await rig.api.createDisk();
      const snapshotImage = noise(seed, IMAGE);
      await writeImage(rig.nbdPort, diskId, snapshotImage);
      const snapshotId = await rig.api.createSnapshot(diskId);
      assert.equal(await rig.api.settledSnapshot(snapshotId), 'available');
      const current = Buffer.concat([snapshotImage.subarray(0, IMAGE / 2), noise(seed + 1, IMAGE / 2)]);
      await writeImage(rig.nbdPort, diskId, current);

      let answered = false;
      const outcome = await rig.killDuring(0, 500, async () => {
        await rig.api.call('ResetDisk', { DiskId: diskId, SnapshotId: snapshotId });
        answered = true;
        await rig.api.settledDisk(diskId);
      });
      const world = await rig.check();
      assert.equal(world.disks.find((d) => d.DiskId === diskId)?.Status, 'Available', 'the disk settles Available');
      const actual = await readImage(rig.nbdPort, diskId, IMAGE);
      const asSnapshot = difference(actual, snapshotImage);
      if (answered) assert.equal(asSnapshot, undefined, `an answered ResetDisk rolls back: ${asSnapshot}`);
      else assert.ok(asSnapshot === undefined || actual.equals(current), `disk is neither image: ${asSnapshot}`);
      console.log(`# trial ${trial}: killed after ${outcome.delayMs} ms; answered: ${answered}; settled before the kill: ${outcome.error === undefined}; ` +
        `disk holds the ${asSnapshot === undefined ? 'snapshot' : 'previous'} image`);
    }
  });

  it(`billing run killed at a random moment (${TRIALS} trials): balances equal minus the ledger, nothing charged twice`, async () => {
    // Disks and snapshots exist from the test above, so a run has resources to meter.
    for (let trial = 0; trial < TRIALS; trial++) {
      const outcome = await rig.killDuring(0, 60, () => rig.api.admin('POST', '/billing/run'));
      await rig.check();
      const again = await rig.api.admin('POST', '/billing/run');
      await rig.check();
      console.log(`# trial ${trial}: killed after ${outcome.delayMs} ms; answered: ${outcome.error === undefined}; ` +
        `run after restart: ${JSON.stringify(again)}`);
    }
  });
});
