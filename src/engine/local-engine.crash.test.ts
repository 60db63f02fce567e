/**
 * Crash and resume: a session survives an engine that is dropped without
 * closing (a new engine opens the same directory), keeps protecting the
 * point-in-time image, and a snapshot job interrupted half-way resumes.
 */
import assert from 'node:assert/strict';
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { STAGE_SLOT_HEADER } from './cbw/stage-file.js';
import type { LocalBlockEngine } from './local-engine.js';
import { openHooked } from './testing/engine-fixture.js';
import { Prng, readVolume, sha256, tempDir, writeVolume, type TempDir } from './testing/fixtures.js';

const CHUNK = 64 * 1024;
const SIZE = 4 * 1024 * 1024 + 5000; // 65 chunks, the last one partial

async function filledVolume(engine: LocalBlockEngine, prng: Prng): Promise<Buffer> {
  await engine.createVolume('d-1', SIZE);
  const image = prng.bytes(SIZE);
  image.fill(0, 20 * CHUNK, 22 * CHUNK);
  await writeVolume(engine.exports(), 'd-1', 0, image);
  return image;
}

/** Writes `data` at `offset` through `engine` and into `model`. */
async function write(engine: LocalBlockEngine, model: Buffer, offset: number, data: Buffer): Promise<void> {
  await writeVolume(engine.exports(), 'd-1', offset, data);
  data.copy(model, offset);
}

describe('LocalBlockEngine: crash and resume', () => {
  let dir: TempDir;
  const engines: LocalBlockEngine[] = [];
  beforeEach(async () => (dir = await tempDir()));
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    await dir.cleanup();
  });

  it('a session reloaded by a new engine keeps copy-before-write and completes the point-in-time image', async () => {
    const prng = new Prng('crash-1');
    const first = await openHooked(dir.path, CHUNK);
    engines.push(first.engine);
    const model = await filledVolume(first.engine, prng);
    const begin = sha256(model);
    await first.engine.beginSnapshot('d-1', 's-1');
    for (const offset of [0, CHUNK + 10, 3 * CHUNK - 100]) await write(first.engine, model, offset, prng.bytes(300));
    const stage = join(dir.path, 'sessions', 's-1.stage');
    assert.equal(first.store.puts, 0, 'guest captures park chunks, they do not store them');
    assert.equal((await stat(stage)).size, 4 * (STAGE_SLOT_HEADER + CHUNK), 'four chunks parked (one write straddles two)');

    // Crash: the first engine is simply abandoned; a new one opens the same directory.
    const second = await openHooked(dir.path, CHUNK);
    engines.push(second.engine);
    assert.deepEqual(await second.engine.listSessions(), ['s-1']);
    for (const offset of [10 * CHUNK, 11 * CHUNK + 1, 20 * CHUNK + 5, 64 * CHUNK + 1]) {
      await write(second.engine, model, offset, prng.bytes(2 * CHUNK > SIZE - offset ? SIZE - offset : 2 * CHUNK));
    }
    await write(second.engine, model, 0, prng.bytes(50)); // chunk 0 was already preserved
    assert.equal(second.store.puts, 0);
    assert.equal(Math.ceil((await stat(stage)).size / (STAGE_SLOT_HEADER + CHUNK)), 10,
      'the new engine parked the six chunks it was about to overwrite after the four reloaded ones');

    const info = await second.engine.runSnapshot('s-1');
    assert.equal(info.sizeBytes, SIZE);
    assert.equal(info.dataChunks, 65 - 2);
    await second.engine.restoreVolume('s-1', 'd-restored', SIZE);
    assert.equal(sha256(await readVolume(second.engine.exports(), 'd-restored')), begin);
    assert.equal(sha256(await readVolume(second.engine.exports(), 'd-1')), sha256(model));
    assert.deepEqual(await readdir(join(dir.path, 'sessions')), []);
  });

  it('an interrupted job resumes where it stopped, and a torn session tail is ignored', async () => {
    const prng = new Prng('crash-2');
    const first = await openHooked(dir.path, CHUNK);
    engines.push(first.engine);
    const model = await filledVolume(first.engine, prng);
    const begin = sha256(model);
    await first.engine.beginSnapshot('d-1', 's-2');
    first.store.beforePut = async (_digest, n) => {
      if (n > 30) throw new Error('simulated crash in the chunk store');
    };
    await assert.rejects(first.engine.runSnapshot('s-2'), /simulated crash/);
    assert.deepEqual(await first.engine.listSessions(), ['s-2'], 'the session survives a failed job');
    first.store.beforePut = undefined;
    await write(first.engine, model, 5 * CHUNK, prng.bytes(3 * CHUNK)); // captured by the job already
    await write(first.engine, model, 50 * CHUNK, prng.bytes(3 * CHUNK)); // not yet: copy-before-write
    await appendFile(join(dir.path, 'sessions', 's-2.session'), '17 z'); // torn record from the crash

    const second = await openHooked(dir.path, CHUNK);
    engines.push(second.engine);
    await write(second.engine, model, 40 * CHUNK + 7, prng.bytes(100));
    const info = await second.engine.runSnapshot('s-2');
    assert.ok(second.store.puts < 63 - 25, `resumed job re-read only what was missing (${second.store.puts} puts)`);
    assert.equal(info.dataChunks, 63);
    await second.engine.restoreVolume('s-2', 'd-restored', SIZE);
    assert.equal(sha256(await readVolume(second.engine.exports(), 'd-restored')), begin);
    assert.equal(sha256(await readVolume(second.engine.exports(), 'd-1')), sha256(model));
  });

  it('an aborted job (AbortSignal) keeps its session and resumes', async () => {
    const prng = new Prng('crash-3');
    const { engine, store } = await openHooked(dir.path, CHUNK);
    engines.push(engine);
    const model = await filledVolume(engine, prng);
    const begin = sha256(model);
    await engine.beginSnapshot('d-1', 's-3');
    const controller = new AbortController();
    store.beforePut = async (_digest, n) => {
      if (n === 10) controller.abort(new Error('job lease lost'));
    };
    await assert.rejects(engine.runSnapshot('s-3', controller.signal), /job lease lost/);
    assert.deepEqual(await engine.listSessions(), ['s-3']);
    store.beforePut = undefined;
    await write(engine, model, 30 * CHUNK, prng.bytes(CHUNK));
    await engine.runSnapshot('s-3');
    await engine.restoreVolume('s-3', 'd-restored', SIZE);
    assert.equal(sha256(await readVolume(engine.exports(), 'd-restored')), begin);
  });

  it('a crash between writing the manifest and removing the session: the stale session is dropped', async () => {
    const prng = new Prng('crash-4');
    const first = await openHooked(dir.path, CHUNK);
    engines.push(first.engine);
    const model = await filledVolume(first.engine, prng);
    await first.engine.beginSnapshot('d-1', 's-4');
    const sessionFile = join(dir.path, 'sessions', 's-4.session');
    const saved = await readFile(sessionFile);
    const info = await first.engine.runSnapshot('s-4');
    await writeFile(sessionFile, saved); // as if the session's removal never reached the disk

    const second = await openHooked(dir.path, CHUNK);
    engines.push(second.engine);
    assert.deepEqual(await second.engine.listSessions(), []);
    assert.deepEqual(await readdir(join(dir.path, 'sessions')), []);
    assert.deepEqual(await second.engine.runSnapshot('s-4'), info);
    await second.engine.beginSnapshot('d-1', 's-4'); // a retried begin of a finished snapshot is a no-op
    assert.deepEqual(await second.engine.listSessions(), []);
    await second.engine.restoreVolume('s-4', 'd-restored', SIZE);
    assert.equal(sha256(await readVolume(second.engine.exports(), 'd-restored')), sha256(model));
  });

  it('a stage file whose session is gone (finished before the crash removed it) is removed at start', async () => {
    const first = await openHooked(dir.path, CHUNK);
    engines.push(first.engine);
    await writeFile(join(dir.path, 'sessions', 's-gone.stage'), Buffer.alloc(100, 1));
    const second = await openHooked(dir.path, CHUNK);
    engines.push(second.engine);
    assert.deepEqual(await readdir(join(dir.path, 'sessions')), []);
  });
});
