/**
 * SIGKILL during garbage collection (`POST /admin/v1/storage/gc`), alone or racing a CreateSnapshot of the disk
 * whose deleted snapshots it collects; restart; check the invariants (harness/invariants.ts: no manifest references
 * a missing chunk, …), that every remaining snapshot restores bit for bit, that a second collection completes and
 * frees what the first left, and that a scrub finds no damaged and no missing chunk.
 *
 * The process runs with `--gc-safety-margin 1` (the default, 5 min, would spare every chunk of a run this short) and
 * 64 KiB chunks, so a collection has hundreds of chunks to delete and takes long enough to be cut.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REGION, sleep, until } from './harness/api.js';
import { firstDeleted, hasManifest, storedChunks, unreferencedChunks } from './harness/chunk-files.js';
import { MiB, noise, writeImage, type Rng } from './harness/image.js';
import { assertRestores } from './harness/restore-check.js';
import { CrashRig, TRIALS } from './harness/rig.js';

const IMAGE = 16 * MiB;
const SERVE_ARGS = ['--gc-safety-margin', '1', '--chunk-size', String(64 * 1024)];
/**
 * Kills land in [0, KILL_WINDOW_MS) after the collection deleted its first chunk (its mark phase only reads, and
 * takes a varying time as the store grows): most land mid-sweep, some after it (see the trial log).
 */
const KILL_WINDOW_MS = 50;

interface Snap {
  readonly id: string;
  readonly image: Buffer;
}

/** `image` with a seeded random half of its MiB blocks replaced by fresh noise (at least one). */
function overwrite(image: Buffer, rng: Rng): Buffer {
  const out = Buffer.from(image);
  const blocks = IMAGE / MiB;
  const first = rng.int(0, blocks);
  for (let b = 0; b < blocks; b++) {
    if (b === first || rng.next() < 0.5) noise(rng.int(1, 2 ** 31), MiB).copy(out, b * MiB);
  }
  return out;
}

describe('crash: garbage collection', { timeout: 60_000 + TRIALS * 90_000 }, () => {
  let rig: CrashRig;
  before(async () => {
    rig = await CrashRig.open(6, SERVE_ARGS);
  });
  after(async () => rig?.close());

  /** A disk and three snapshots of it, with writes between them (so they share some chunks); answers the images. */
  async function snapshotsSharingChunks(): Promise<{ diskId: string; snaps: Snap[] }> {
    const diskId = await rig.api.createDisk();
    const snaps: Snap[] = [];
    let image = noise(rig.rng.int(1, 2 ** 31), IMAGE);
    for (let k = 0; k < 3; k++) {
      if (k > 0) image = overwrite(image, rig.rng);
      await writeImage(rig.nbdPort, diskId, image);
      const id = await rig.api.createSnapshot(diskId);
      assert.equal(await rig.api.settledSnapshot(id), 'available');
      snaps.push({ id, image });
    }
    return { diskId, snaps };
  }

  /** Deletes a seeded subset of all but the newest (at least the oldest); waits until their manifests are gone. */
  async function deleteSome(snaps: readonly Snap[]): Promise<Snap[]> {
    const victims = snaps.slice(0, -1).filter((_, i) => i === 0 || rig.rng.next() < 0.5);
    for (const v of victims) {
      rig.deleted.add(v.id);
      await rig.api.call('DeleteSnapshot', { SnapshotId: v.id });
    }
    for (const v of victims) {
      await until(async () => ((await hasManifest(rig.dataDir, REGION, v.id)) ? undefined : true), `manifest of ${v.id} to go`);
    }
    return snaps.filter((s) => !victims.includes(s));
  }

  it(`GC killed at a random moment (${TRIALS} trials, every other one racing a CreateSnapshot): nothing referenced is lost`, async () => {
    const landed = { before: 0, during: 0, after: 0 };
    for (let trial = 0; trial < TRIALS; trial++) {
      const { diskId, snaps } = await snapshotsSharingChunks();
      const survivors = await deleteSome(snaps);
      const garbage = await unreferencedChunks(rig.dataDir, REGION);
      assert.ok(garbage.size > 0, 'the deleted snapshots left chunks to collect');
      // Past the 1 s margin since the garbage was last written or found present.
      await sleep(1100);

      const racing = trial % 2 === 1;
      const writerImage = racing ? overwrite(survivors.at(-1)!.image, rig.rng) : undefined;
      if (writerImage) await writeImage(rig.nbdPort, diskId, writerImage);
      let writerId: string | undefined;
      const outcome = await rig.killDuring(0, KILL_WINDOW_MS, () => Promise.all([
        rig.api.admin('POST', '/storage/gc', { regionId: REGION }),
        racing && (async () => {
          writerId = await rig.api.createSnapshot(diskId);
          await rig.api.settledSnapshot(writerId);
        })(),
      ]), () => firstDeleted(rig.dataDir, REGION, garbage));

      const world = await rig.check();
      const stored = await storedChunks(rig.dataDir, REGION);
      const left = [...garbage].filter((d) => stored.has(d)).length;
      const moment = left === garbage.size ? 'before' : left === 0 ? 'after' : 'during';
      landed[moment]++;
      for (const s of survivors) await assertRestores(rig, s.id, s.image);
      const known = new Set(snaps.map((s) => s.id));
      const extra = world.snapshots.filter((s) => s.SourceDiskId === diskId && !known.has(s.SnapshotId));
      if (writerId !== undefined) assert.ok(extra.some((s) => s.SnapshotId === writerId), 'an answered snapshot exists');
      assert.ok(extra.length <= (racing ? 1 : 0), 'one CreateSnapshot made at most one snapshot');
      for (const s of extra.filter((x) => x.Status === 'available')) await assertRestores(rig, s.SnapshotId, writerImage!);

      await rig.api.admin('POST', '/storage/gc', { regionId: REGION });
      const unreferenced = await unreferencedChunks(rig.dataDir, REGION);
      assert.deepEqual([...garbage].filter((d) => unreferenced.has(d)), [], 'a second collection frees what the first left');
      await rig.check();
      await assertScrubClean(rig);
      console.log(`# trial ${trial}: killed ${outcome.delayMs} ms after the first deletion (${moment} the sweep: ${garbage.size - left}/` +
        `${garbage.size} garbage chunks freed); racing CreateSnapshot: ${racing ? (extra[0]?.Status ?? 'none') : 'no'}; ` +
        `answered: ${outcome.error === undefined}`);
    }
    console.log(`# kills landed before the sweep: ${landed.before}, during: ${landed.during}, after: ${landed.after}`);
  });
});

async function assertScrubClean(rig: CrashRig): Promise<void> {
  const res = await rig.api.admin('POST', '/storage/scrub', {});
  for (const r of res.Regions as { EnsRegionId: string; Checked: number; Damaged: string[]; Missing: string[] }[]) {
    assert.deepEqual(r.Damaged, [], `scrub of ${r.EnsRegionId}: no damaged chunk`);
    assert.deepEqual(r.Missing, [], `scrub of ${r.EnsRegionId}: no missing chunk`);
  }
}
