/**
 * Incremental snapshots: only chunks changed since the volume's last snapshot
 * are read; everything else reuses the parent's digests — and every snapshot
 * still restores bit for bit. Unclean stops, aborts, deleted parents, resize,
 * reset and restore fall back to (or stay exactly as correct as) a full read.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { systemClock } from '../kernel/clock.js';
import type { LocalBlockEngine } from './local-engine.js';
import { openHooked } from './testing/engine-fixture.js';
import { Prng, readVolume, tempDir, writeVolume, type TempDir } from './testing/fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;

async function snap(engine: LocalBlockEngine, volumeId: string, snapshotId: string):
  Promise<{ parent: string | null; bytesRead: number; chunksRead: number; storedBytes: number }> {
  await engine.beginSnapshot(volumeId, snapshotId);
  const info = await engine.runSnapshot(snapshotId);
  const stats = await engine.snapshotStats(snapshotId);
  assert.ok(stats, 'a new manifest carries its stats');
  return { parent: stats.parent, bytesRead: stats.bytesRead, chunksRead: stats.chunksRead, storedBytes: info.storedBytes };
}

async function restoredImage(engine: LocalBlockEngine, snapshotId: string, volumeId: string, size: number): Promise<Buffer> {
  await engine.restoreVolume(snapshotId, volumeId, size);
  return readVolume(engine.exports(), volumeId);
}

async function fill(engine: LocalBlockEngine, volumeId: string, model: Buffer): Promise<void> {
  for (let off = 0; off < model.length; off += 8 * MiB) {
    await writeVolume(engine.exports(), volumeId, off, model.subarray(off, Math.min(model.length, off + 8 * MiB)));
  }
}

/** Writes `length` pseudo-random bytes at `offset` of the volume and of `model`. */
async function scribble(engine: LocalBlockEngine, prng: Prng, model: Buffer, offset: number, length: number): Promise<void> {
  const data = prng.bytes(length);
  data.copy(model, offset);
  await writeVolume(engine.exports(), 'd-1', offset, data);
}

describe('LocalBlockEngine: incremental snapshots', () => {
  let dir: TempDir;
  const open: LocalBlockEngine[] = [];
  before(async () => (dir = await tempDir()));
  afterEach(async () => {
    for (const engine of open.splice(0)) await engine.close();
    await dir.cleanup();
    dir = await tempDir();
  });
  after(async () => dir.cleanup());

  async function engineOn(chunkSize?: number): Promise<LocalBlockEngine> {
    const { engine } = await openHooked(dir.path, chunkSize);
    open.push(engine);
    return engine;
  }

  it('after 40 random 64 KiB writes into a full 256 MiB disk reads and stores at most a fifth', async () => {
    const SIZE = 256 * MiB;
    const engine = await engineOn();
    const prng = new Prng('incremental-256');
    const model = prng.bytes(SIZE);
    await engine.createVolume('d-1', SIZE);
    await fill(engine, 'd-1', model);
    const full = await snap(engine, 'd-1', 's-full');
    assert.equal(full.parent, null);
    assert.equal(full.bytesRead, SIZE);
    for (let i = 0; i < 40; i++) await scribble(engine, prng, model, prng.int(SIZE / (64 * KiB)) * 64 * KiB, 64 * KiB);
    const inc = await snap(engine, 'd-1', 's-inc');
    assert.equal(inc.parent, 's-full');
    assert.ok(inc.bytesRead > 0 && inc.bytesRead <= full.bytesRead / 5, `read ${inc.bytesRead} of ${full.bytesRead}`);
    assert.ok(inc.storedBytes > 0 && inc.storedBytes <= full.storedBytes / 5, `stored ${inc.storedBytes}`);
    assert.ok((await restoredImage(engine, 's-inc', 'd-2', SIZE)).equals(model), 'the incremental restores bit for bit');
  });

  it('keeps the point in time with writes during an incremental snapshot; the next one catches them', async () => {
    const SIZE = 16 * MiB;
    const CHUNK = 64 * KiB;
    const { engine, store } = await openHooked(dir.path, CHUNK);
    open.push(engine);
    const prng = new Prng('incremental-pit');
    const model = prng.bytes(SIZE);
    await engine.createVolume('d-1', SIZE);
    await fill(engine, 'd-1', model);
    await snap(engine, 'd-1', 's-1');
    for (let i = 0; i < 20; i++) await scribble(engine, prng, model, prng.int(SIZE / CHUNK) * CHUNK, 4 * KiB);
    const atBegin = Buffer.from(model);
    await engine.beginSnapshot('d-1', 's-2');
    store.beforePut = () => systemClock.sleep(2); // let guest writes interleave with the job
    const job = engine.runSnapshot('s-2');
    // Changed and unchanged chunks alike are overwritten while the job runs.
    for (let i = 0; i < 40; i++) await scribble(engine, prng, model, prng.int(SIZE - 8 * KiB), 8 * KiB);
    await job;
    store.beforePut = undefined;
    assert.equal((await engine.snapshotStats('s-2'))?.parent, 's-1');
    assert.ok((await restoredImage(engine, 's-2', 'd-2', SIZE)).equals(atBegin), 's-2 is the begin-time image');
    const third = await snap(engine, 'd-1', 's-3');
    assert.equal(third.parent, 's-2');
    assert.ok((await restoredImage(engine, 's-3', 'd-3', SIZE)).equals(model), 's-3 has the writes made during s-2');
  });

  it('survives a clean restart incrementally; after an unclean stop the next snapshot is full and correct', async () => {
    const SIZE = 8 * MiB;
    const CHUNK = 64 * KiB;
    const prng = new Prng('incremental-restart');
    const model = prng.bytes(SIZE);
    const first = await engineOn(CHUNK);
    await first.createVolume('d-1', SIZE);
    await fill(first, 'd-1', model);
    await snap(first, 'd-1', 's-1');
    await scribble(first, prng, model, 3 * CHUNK, 100);
    await first.close();
    const second = await engineOn(CHUNK);
    const clean = await snap(second, 'd-1', 's-2');
    assert.deepEqual([clean.parent, clean.chunksRead], ['s-1', 1], 'a clean restart keeps the changed set');
    await scribble(second, prng, model, 5 * CHUNK, 100);
    // Unclean stop: `second` is abandoned (never closed) and a new engine opens the directory.
    open.splice(open.indexOf(second), 1);
    const third = await engineOn(CHUNK);
    const after = await snap(third, 'd-1', 's-3');
    assert.equal(after.parent, null, 'the dirty map of an unclean stop is not trusted');
    assert.equal(after.chunksRead, SIZE / CHUNK);
    assert.ok((await restoredImage(third, 's-3', 'd-2', SIZE)).equals(model));
    await second.close();
  });

  it('an aborted snapshot gives its changes back; a deleted parent means a full snapshot', async () => {
    const SIZE = 8 * MiB;
    const CHUNK = 64 * KiB;
    const engine = await engineOn(CHUNK);
    const prng = new Prng('incremental-abort');
    const model = prng.bytes(SIZE);
    await engine.createVolume('d-1', SIZE);
    await fill(engine, 'd-1', model);
    await snap(engine, 'd-1', 's-1');
    await scribble(engine, prng, model, 7 * CHUNK, 10);
    await engine.beginSnapshot('d-1', 's-2');
    await scribble(engine, prng, model, 9 * CHUNK, 10);
    await engine.abortSnapshot('s-2');
    const third = await snap(engine, 'd-1', 's-3');
    assert.deepEqual([third.parent, third.chunksRead], ['s-1', 2], 'both the handed-over and the later change');
    assert.ok((await restoredImage(engine, 's-3', 'd-2', SIZE)).equals(model));
    await scribble(engine, prng, model, 11 * CHUNK, 10);
    await engine.deleteSnapshot('s-3');
    const fourth = await snap(engine, 'd-1', 's-4');
    assert.deepEqual([fourth.parent, fourth.chunksRead], [null, SIZE / CHUNK]);
    assert.ok((await restoredImage(engine, 's-4', 'd-3', SIZE)).equals(model));
  });

  it('stays exact across resize, reset and restore', async () => {
    const SIZE = 8 * MiB + 5000; // a partial last chunk, which a resize lengthens
    const CHUNK = 64 * KiB;
    const engine = await engineOn(CHUNK);
    const prng = new Prng('incremental-resize');
    let model = prng.bytes(SIZE);
    await engine.createVolume('d-1', SIZE);
    await fill(engine, 'd-1', model);
    await snap(engine, 'd-1', 's-1');
    const s1Image = Buffer.from(model);
    const GROWN = 12 * MiB;
    await engine.resizeVolume('d-1', GROWN);
    model = Buffer.concat([model, Buffer.alloc(GROWN - SIZE)]);
    await scribble(engine, prng, model, 10 * MiB, 3 * KiB);
    const grown = await snap(engine, 'd-1', 's-2');
    assert.equal(grown.parent, 's-1');
    assert.equal(grown.chunksRead, 2, 'the lengthened last chunk and the new written one');
    assert.ok((await restoredImage(engine, 's-2', 'd-2', GROWN)).equals(model));

    await scribble(engine, prng, model, 2 * CHUNK, 10);
    await engine.resetVolume('s-1', 'd-1');
    const reset = await snap(engine, 'd-1', 's-3');
    assert.equal(reset.parent, 's-2', 'the reset wrote through the volume: its rewrites are marked');
    const expected = Buffer.concat([s1Image, Buffer.alloc(GROWN - SIZE)]);
    assert.ok((await restoredImage(engine, 's-3', 'd-3', GROWN)).equals(expected));

    const again = await snap(engine, 'd-3', 's-4'); // d-3 was restored: no changed set to trust
    assert.equal(again.parent, null);
    assert.ok((await restoredImage(engine, 's-4', 'd-4', GROWN)).equals(expected));
  });
});
