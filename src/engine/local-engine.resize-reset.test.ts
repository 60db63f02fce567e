/** resizeVolume (grow only, durable, visible to new handles) and resetVolume (only differing chunks rewritten). */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LocalBlockEngine } from './local-engine.js';
import { sha256Hex } from './chunks/chunk-store.js';
import { engineError, openHooked } from './testing/engine-fixture.js';
import { Prng, readVolume, tempDir, writeVolume, type TempDir } from './testing/fixtures.js';
import { mustFindChunk } from './testing/stored-chunks.js';
import type { BlockDevice } from './block-device.js';
import { withVolumeDeleteHook } from './volume-delete-hook.js';
import { AllocationMap } from './volume/allocation-map.js';

const CHUNK = 64 * 1024;
const SIZE = 16 * CHUNK;

/** Counts the mutations that reach `device` (the shared Volume) while the handle is held. */
function countMutations(device: BlockDevice): { writes: number[] } {
  const seen = { writes: [] as number[] };
  const write = device.write.bind(device);
  const writeZeroes = device.writeZeroes.bind(device);
  Object.assign(device, {
    write: (offset: number, data: Buffer, fua: boolean) => (seen.writes.push(offset / CHUNK), write(offset, data, fua)),
    writeZeroes: (offset: number, length: number, fua: boolean) =>
      (seen.writes.push(offset / CHUNK), writeZeroes(offset, length, fua)),
  });
  return seen;
}

describe('LocalBlockEngine: resizeVolume and resetVolume', () => {
  let dir: TempDir;
  let engine: LocalBlockEngine;
  beforeEach(async () => {
    dir = await tempDir();
    ({ engine } = await openHooked(dir.path, CHUNK));
    await engine.createVolume('d-1', SIZE);
  });
  afterEach(async () => {
    await engine.close();
    await dir.cleanup();
  });

  it('grows durably: old bytes intact, new range zero and writable, idempotent, never shrinks', async () => {
    const head = new Prng('seed-1').bytes(3 * CHUNK);
    await writeVolume(engine.exports(), 'd-1', SIZE - CHUNK, head.subarray(0, CHUNK));
    const held = (await engine.exports().open('d-1'))!;
    await engine.resizeVolume('d-1', SIZE + 2 * CHUNK + 512);
    await engine.resizeVolume('d-1', SIZE + 2 * CHUNK + 512);
    await engine.resizeVolume('d-1', SIZE);
    held.release();
    const fresh = (await engine.exports().open('d-1'))!;
    assert.equal(fresh.device.size, SIZE + 2 * CHUNK + 512);
    fresh.release();
    await writeVolume(engine.exports(), 'd-1', SIZE + CHUNK, head.subarray(CHUNK, 2 * CHUNK));
    await engine.close();
    ({ engine } = await openHooked(dir.path, CHUNK));
    const image = await readVolume(engine.exports(), 'd-1');
    assert.equal(image.length, SIZE + 2 * CHUNK + 512);
    assert.ok(image.subarray(SIZE - CHUNK, SIZE).equals(head.subarray(0, CHUNK)));
    assert.ok(image.subarray(SIZE, SIZE + CHUNK).equals(Buffer.alloc(CHUNK)));
    assert.ok(image.subarray(SIZE + CHUNK, SIZE + 2 * CHUNK).equals(head.subarray(CHUNK, 2 * CHUNK)));
    const alloc = await readFile(join(dir.path, 'volumes', 'd-1.alloc'));
    assert.equal(Number(alloc.readBigUInt64LE(16)), SIZE + 2 * CHUNK + 512);
    const map = await AllocationMap.open(join(dir.path, 'volumes', 'd-1.alloc'));
    assert.equal(map.isUnallocated(SIZE, CHUNK), true, 'a valid map (not the all-allocated fallback)');
    assert.equal(map.isUnallocated(SIZE + CHUNK, CHUNK), false);
    await map.close();
  });

  it('refuses to resize a missing volume or one being snapshotted', async () => {
    await assert.rejects(engine.resizeVolume('d-none', SIZE), engineError('VolumeNotFound'));
    await assert.rejects(engine.resizeVolume('d-1', 0), RangeError);
    await engine.beginSnapshot('d-1', 's-busy');
    await assert.rejects(engine.resizeVolume('d-1', 2 * SIZE), engineError('SessionBusy'));
    await assert.rejects(engine.resetVolume('s-busy', 'd-1'), engineError('ManifestNotFound'));
    await engine.runSnapshot('s-busy');
    await engine.resizeVolume('d-1', 2 * SIZE);
  });

  it('rewrites only the chunks that differ, then reads exactly the snapshot; a rerun writes nothing', async () => {
    const a = new Prng('seed-2').bytes(4 * CHUNK);
    await writeVolume(engine.exports(), 'd-1', 0, a); // chunks 0-3 hold A, the rest never written
    await engine.beginSnapshot('d-1', 's-a');
    await engine.runSnapshot('s-a');
    const b = new Prng('seed-3').bytes(CHUNK);
    await writeVolume(engine.exports(), 'd-1', 2 * CHUNK, b); // differs from A
    await writeVolume(engine.exports(), 'd-1', 3 * CHUNK, a.subarray(3 * CHUNK)); // rewritten with the same bytes
    await writeVolume(engine.exports(), 'd-1', 5 * CHUNK + 7, b.subarray(0, 100)); // zero in the snapshot
    await engine.resizeVolume('d-1', SIZE + 2 * CHUNK);
    await writeVolume(engine.exports(), 'd-1', SIZE + CHUNK, b); // past the snapshot's end
    const handle = (await engine.exports().open('d-1'))!;
    const seen = countMutations(handle.device);
    assert.deepEqual(await engine.resetVolume('s-a', 'd-1'), { chunksRewritten: 3 });
    assert.deepEqual(seen.writes.sort((x, y) => x - y), [2, 5, 17]);
    assert.deepEqual(await engine.resetVolume('s-a', 'd-1'), { chunksRewritten: 0 });
    assert.equal(seen.writes.length, 3);
    handle.release();
    const expected = Buffer.concat([a, Buffer.alloc(SIZE + 2 * CHUNK - a.length)]);
    assert.equal(sha256Hex(await readVolume(engine.exports(), 'd-1')), sha256Hex(expected));
  });

  it('verifies every chunk it reads from the store', async () => {
    const a = new Prng('seed-4').bytes(2 * CHUNK);
    await writeVolume(engine.exports(), 'd-1', 0, a);
    await engine.beginSnapshot('d-1', 's-a');
    await engine.runSnapshot('s-a');
    await writeVolume(engine.exports(), 'd-1', CHUNK, Buffer.alloc(CHUNK, 9));
    const digest = sha256Hex(a.subarray(CHUNK));
    const chunk = await mustFindChunk(join(dir.path, 'chunks'), digest);
    const original = await chunk.read();
    await chunk.write(Buffer.alloc(original.length, 1));
    await assert.rejects(engine.resetVolume('s-a', 'd-1'), engineError('ChunkCorrupt'));
    await chunk.write(original);
    assert.deepEqual(await engine.resetVolume('s-a', 'd-1'), { chunksRewritten: 1 });
    assert.ok((await readVolume(engine.exports(), 'd-1')).subarray(0, 2 * CHUNK).equals(a));
    await assert.rejects(engine.resetVolume('s-a', 'd-none'), engineError('VolumeNotFound'));
  });

  it('the wrapper drops NBD clients (its hook) before a reset, and passes resizes through', async () => {
    await engine.beginSnapshot('d-1', 's-a');
    await engine.runSnapshot('s-a');
    const hooked: string[] = [];
    const wrapped = withVolumeDeleteHook(engine, (id) => hooked.push(id));
    await wrapped.resizeVolume('d-1', 2 * SIZE);
    assert.deepEqual(hooked, []);
    const reset = wrapped.resetVolume('s-a', 'd-1');
    assert.deepEqual(hooked, ['d-1'], 'called before the reset starts');
    assert.deepEqual(await reset, { chunksRewritten: 0 });
    assert.equal((await readVolume(engine.exports(), 'd-1')).length, 2 * SIZE);
  });
});
