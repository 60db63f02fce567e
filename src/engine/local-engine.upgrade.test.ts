/** A data directory written with one file per chunk keeps working once the engine stores chunks in packs. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { FsChunkStore } from './chunks/fs-chunk-store.js';
import { REUSE_SAFETY_MARGIN_MS } from './gc/chunk-guard.js';
import { LocalBlockEngine } from './local-engine.js';
import { Prng, readVolume, sha256, tempDir, writeVolume } from './testing/fixtures.js';

const CHUNK = 64 * 1024;
const SIZE = 16 * CHUNK;

describe('LocalBlockEngine: a data directory of chunk files', () => {
  it('restores its snapshots, dedups new ones against its chunks and collects them', async () => {
    const dir = await tempDir();
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const image = new Prng('upgrade').bytes(SIZE);
    try {
      // The earlier layout: chunks/<2 hex>/<digest>, as engines before pack files wrote it.
      const old = await LocalBlockEngine.open({
        dataDir: dir.path, clock, chunkSize: CHUNK, chunkStore: await FsChunkStore.open(join(dir.path, 'chunks')),
      });
      await old.createVolume('d-1', SIZE);
      await writeVolume(old.exports(), 'd-1', 0, image);
      await old.beginSnapshot('d-1', 's-old');
      await old.runSnapshot('s-old');
      await old.close();

      const engine = await LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize: CHUNK });
      try {
        await engine.restoreVolume('s-old', 'd-2', SIZE);
        assert.equal(sha256(await readVolume(engine.exports(), 'd-2')), sha256(image));
        await writeVolume(engine.exports(), 'd-2', 0, Buffer.alloc(CHUNK, 7));
        await engine.beginSnapshot('d-2', 's-new');
        const info = await engine.runSnapshot('s-new');
        assert.equal(info.storedBytes, CHUNK, 'only the changed chunk is new; the rest are the old files');
        await engine.deleteSnapshot('s-old');
        await engine.deleteVolume('d-1');
        await engine.deleteSnapshot('s-new');
        clock.advance(REUSE_SAFETY_MARGIN_MS + 1);
        const gc = await engine.collectGarbage();
        assert.equal(gc.chunksDeleted, 17);
        const prefixes = (await readdir(join(dir.path, 'chunks'))).filter((n) => n !== 'packs');
        for (const prefix of prefixes) assert.deepEqual(await readdir(join(dir.path, 'chunks', prefix)), [], prefix);
      } finally {
        await engine.close();
      }
    } finally {
      await dir.cleanup();
    }
  });
});
