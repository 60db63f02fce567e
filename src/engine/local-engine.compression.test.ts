/** Chunk files are encoded on the hashing threads at the store's level and stored as they are. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readHeader } from './chunks/codec.js';
import { LocalBlockEngine } from './local-engine.js';
import { clock } from './testing/engine-fixture.js';
import { Prng, readVolume, sha256, tempDir, writeVolume } from './testing/fixtures.js';
import { mustFindChunk, storedDigests } from './testing/stored-chunks.js';

const CHUNK = 256 * 1024; // above the hashing pool's main-thread limit (32 KiB): the threads encode
const SIZE = 8 * CHUNK;

/** Every chunk file stored under `<dir>/chunks`, with its codec and size. */
async function chunkFiles(dir: string): Promise<{ codec: string | undefined; size: number }[]> {
  const chunks = join(dir, 'chunks');
  return Promise.all([...await storedDigests(chunks)].map(async (digest) => {
    const file = await (await mustFindChunk(chunks, digest)).read();
    return { codec: readHeader(file)?.codec, size: file.length };
  }));
}

describe('LocalBlockEngine: compression', () => {
  for (const level of [1, 0]) {
    it(`level ${level}: text chunks ${level ? 'compressed' : 'raw'}, random ones raw, and the restore is exact`, async () => {
      const dir = await tempDir();
      const engine = await LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize: CHUNK, compressionLevel: level });
      try {
        const text = Buffer.from('a line of a guest log file, repeated; '.repeat(SIZE / 32).slice(0, SIZE / 2));
        for (let i = 0; i < 4; i++) text.write(`chunk ${i}`, i * CHUNK); // four distinct text chunks
        const image = Buffer.concat([text, new Prng('compression').bytes(SIZE / 2)]);
        await engine.createVolume('d-1', SIZE);
        await writeVolume(engine.exports(), 'd-1', 0, image);
        await engine.beginSnapshot('d-1', 's-1');
        const info = await engine.runSnapshot('s-1');
        const files = await chunkFiles(dir.path);
        assert.equal(files.length, 8);
        const compressed = files.filter((f) => f.codec === 'zstd');
        assert.equal(compressed.length, level ? 4 : 0);
        for (const f of compressed) assert.ok(f.size < CHUNK / 10, `${f.size} bytes for a text chunk`);
        assert.equal(info.storedBytes, SIZE, 'raw bytes of the eight newly stored chunks');
        await engine.restoreVolume('s-1', 'd-2', SIZE);
        assert.equal(sha256(await readVolume(engine.exports(), 'd-2')), sha256(image));
      } finally {
        await engine.close();
        await dir.cleanup();
      }
    });
  }
});
