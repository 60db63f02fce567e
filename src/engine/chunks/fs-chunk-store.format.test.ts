/** FsChunkStore's file format: compressed and raw files, old headerless files, damaged files. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { EngineError } from '../engine.js';
import { sha256Hex } from './chunk-store.js';
import { HEADER_BYTES, readHeader } from './codec.js';
import { FsChunkStore } from './fs-chunk-store.js';

const compressible = Buffer.from('a block of a guest file system '.repeat(40000).slice(0, 1024 * 1024));

describe('FsChunkStore file format', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgesnap-chunks-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes a zstd file for a compressible chunk at the default level', async () => {
    const store = await FsChunkStore.open(dir);
    const digest = sha256Hex(compressible);
    await store.put(digest, compressible);
    const file = await readFile(store.pathOf(digest));
    assert.deepEqual(readHeader(file), { codec: 'zstd', rawLength: compressible.length });
    assert.ok(file.length < compressible.length / 20, `${file.length} bytes on disk`);
    assert.ok((await store.get(digest))!.equals(compressible));
  });

  it('level 0 keeps every chunk raw behind the header', async () => {
    const store = await FsChunkStore.open(dir, { compressionLevel: 0 });
    const digest = sha256Hex(compressible);
    await store.put(digest, compressible);
    const file = await readFile(store.pathOf(digest));
    assert.deepEqual(readHeader(file), { codec: 'raw', rawLength: compressible.length });
    assert.ok(file.subarray(HEADER_BYTES).equals(compressible));
    assert.ok((await store.get(digest))!.equals(compressible));
  });

  it('refuses a bad level', async () => {
    for (const level of [-1, 20, 1.5, Number.NaN]) {
      await assert.rejects(FsChunkStore.open(dir, { compressionLevel: level }), RangeError);
    }
  });

  it('reads headerless raw files written before compression (and dedups against them)', async () => {
    const store = await FsChunkStore.open(dir);
    const digest = sha256Hex(compressible);
    await mkdir(join(dir, digest.slice(0, 2)));
    await writeFile(store.pathOf(digest), compressible);
    assert.equal(await store.has(digest), true);
    assert.ok((await store.get(digest))!.equals(compressible));
    assert.equal(await store.storedSize(digest), compressible.length);
    assert.equal(await store.put(digest, compressible), false);
    assert.deepEqual(await readFile(store.pathOf(digest)), compressible, 'the old file is left as it was');
  });

  it('a damaged zstd file reads as ChunkCorrupt, a damaged raw file as other bytes', async () => {
    const store = await FsChunkStore.open(dir);
    const digest = sha256Hex(compressible);
    await store.put(digest, compressible);
    const file = await readFile(store.pathOf(digest));
    const flipped = Buffer.from(file);
    flipped[flipped.length - 10]! ^= 0xff;
    for (const bad of [flipped, file.subarray(0, file.length - 5), Buffer.concat([file, Buffer.from('tail')])]) {
      await writeFile(store.pathOf(digest), bad);
      await assert.rejects(store.get(digest), (err) => err instanceof EngineError && err.kind === 'ChunkCorrupt');
    }
    await writeFile(store.pathOf(digest), 'damaged');
    assert.equal((await store.get(digest))!.toString(), 'damaged', 'no header: read as an old raw file');
  });
});
