/** Zero chunks are never stored; identical chunks are stored once across snapshots and within one. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalBlockEngine } from './local-engine.js';
import { clock } from './testing/engine-fixture.js';
import { countChunks, Prng, readVolume, sha256, tempDir, writeVolume, type TempDir } from './testing/fixtures.js';
import { storedDigests } from './testing/stored-chunks.js';

const MiB = 1024 * 1024;

describe('LocalBlockEngine: zero chunks and deduplication', () => {
  let dir: TempDir;
  before(async () => (dir = await tempDir()));
  after(async () => dir.cleanup());

  it('stores only data chunks, shares chunks between snapshots and within one', async () => {
    const engine = await LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize: MiB });
    const prng = new Prng('dedup');
    await engine.createVolume('d-sparse', 64 * MiB);
    await writeVolume(engine.exports(), 'd-sparse', 3 * MiB, prng.bytes(MiB));
    await writeVolume(engine.exports(), 'd-sparse', 10 * MiB + 512 * 1024, prng.bytes(MiB)); // straddles 10 and 11
    await writeVolume(engine.exports(), 'd-sparse', 40 * MiB + 77, prng.bytes(100));

    await engine.beginSnapshot('d-sparse', 's-a');
    const a = await engine.runSnapshot('s-a');
    assert.deepEqual(a, { sizeBytes: 64 * MiB, chunkSize: MiB, dataChunks: 4, storedBytes: 4 * MiB });
    assert.equal(await countChunks(engine.chunkStore), 4);
    assert.equal((await storedDigests(join(dir.path, 'chunks'))).size, 4, 'exactly the data chunks are indexed, no zero chunk');
    const packs = await readdir(join(dir.path, 'chunks', 'packs'));
    assert.deepEqual(packs.sort(), ['00000000.pack', 'index.log'], 'one pack, no temp files');

    await engine.beginSnapshot('d-sparse', 's-b');
    const b = await engine.runSnapshot('s-b');
    assert.deepEqual(b, { ...a, storedBytes: 0 }, 'an unchanged volume stores nothing new');
    assert.equal(await countChunks(engine.chunkStore), 4);

    const same = prng.bytes(MiB);
    await writeVolume(engine.exports(), 'd-sparse', 50 * MiB, same);
    await writeVolume(engine.exports(), 'd-sparse', 51 * MiB, same);
    await engine.beginSnapshot('d-sparse', 's-c');
    const c = await engine.runSnapshot('s-c');
    assert.equal(c.dataChunks, 6);
    assert.equal(c.storedBytes, MiB, 'two identical chunks are stored once');
    assert.equal(await countChunks(engine.chunkStore), 5);

    await engine.restoreVolume('s-a', 'd-from-a', 64 * MiB);
    await engine.beginSnapshot('d-from-a', 's-d');
    assert.equal((await engine.runSnapshot('s-d')).storedBytes, 0, 'a restored copy dedups against its source');
    await engine.close();
  });

  it('handles a partial last chunk and restores into a larger volume', async () => {
    const engine = await LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize: 256 * 1024 });
    const size = 5 * MiB + 12345;
    const image = new Prng('partial').bytes(size);
    await engine.createVolume('d-odd', size);
    await writeVolume(engine.exports(), 'd-odd', 0, image);
    await engine.beginSnapshot('d-odd', 's-odd');
    const info = await engine.runSnapshot('s-odd');
    assert.deepEqual(info, { sizeBytes: size, chunkSize: 256 * 1024, dataChunks: 21, storedBytes: size });
    await engine.restoreVolume('s-odd', 'd-bigger', size + 3 * MiB);
    const restored = await readVolume(engine.exports(), 'd-bigger');
    assert.equal(restored.length, size + 3 * MiB);
    assert.equal(sha256(restored.subarray(0, size)), sha256(image));
    assert.ok(restored.subarray(size).every((b) => b === 0));
    await assert.rejects(engine.restoreVolume('s-odd', 'd-smaller', size - 1), RangeError);
    assert.equal(await engine.volumeExists('d-smaller'), false);
    await engine.close();
  });
});
