/** Scrub through the engine: damaged and missing chunks are reported, healthy ones are not. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../../kernel/clock.js';
import { sha256Hex } from '../chunks/chunk-store.js';
import { LocalBlockEngine } from '../local-engine.js';
import { Prng, tempDir, writeVolume } from '../testing/fixtures.js';
import { mustFindChunk } from '../testing/stored-chunks.js';

const CHUNK = 64 * 1024;

describe('scrub', () => {
  it('re-hashes every chunk, and lists the damaged and the missing ones', async () => {
    const dir = await tempDir('edgesnap-scrub-');
    const engine = await LocalBlockEngine.open({ dataDir: dir.path, clock: new ManualClock(0), chunkSize: CHUNK });
    try {
      await engine.createVolume('d-1', 8 * CHUNK);
      const text = (label: string): Buffer => Buffer.from(`${label} `.repeat(CHUNK).slice(0, CHUNK));
      const random = new Prng('scrub').bytes(2 * CHUNK);
      const chunks = [text('t0'), text('t1'), random.subarray(0, CHUNK), random.subarray(CHUNK), text('t4')];
      await writeVolume(engine.exports(), 'd-1', 0, Buffer.concat(chunks));
      await engine.beginSnapshot('d-1', 's-1');
      await engine.runSnapshot('s-1');
      const healthy = await engine.scrub();
      assert.deepEqual({ ...healthy, storedBytes: 0 },
        { checked: 5, damaged: [], missing: [], unreadableManifests: [], storedBytes: 0, rawBytes: 5 * CHUNK });
      assert.ok(healthy.storedBytes < 3 * CHUNK, `stored ${healthy.storedBytes} bytes for ${5 * CHUNK} raw`);

      const [t0, t1, r2, r3, t4] = chunks.map((c) => sha256Hex(c));
      const stored = (digest: string) => mustFindChunk(join(dir.path, 'chunks'), digest);
      const zst = await (await stored(t0!)).read();
      zst[zst.length - 8]! ^= 0xff; // a bit flip inside a compressed chunk: the frame check or the digest fails
      await (await stored(t0!)).write(zst);
      await (await stored(r2!)).write(await (await stored(r3!)).read()); // a valid chunk file, wrong content
      const t4File = await stored(t4!);
      await t4File.write(Buffer.from('damaged '.repeat(t4File.length).slice(0, t4File.length)));
      assert.equal(await engine.chunkStore.delete(t1!), true);
      const report = await engine.scrub();
      assert.equal(report.checked, 4);
      assert.deepEqual(report.damaged, [t0!, r2!, t4!].sort());
      assert.deepEqual(report.missing, [t1!]);
      await assert.rejects(engine.restoreVolume('s-1', 'd-2', 8 * CHUNK));
    } finally {
      await engine.close();
      await dir.cleanup();
    }
  });

  it('compressionLevel 0 stores every chunk raw (behind the 20-byte header)', async () => {
    const dir = await tempDir('edgesnap-scrub-');
    const engine = await LocalBlockEngine.open({ dataDir: dir.path, clock: new ManualClock(0), chunkSize: CHUNK, compressionLevel: 0 });
    try {
      await engine.createVolume('d-1', 4 * CHUNK);
      await writeVolume(engine.exports(), 'd-1', 0, Buffer.from('compress'.repeat(CHUNK / 4)));
      await engine.beginSnapshot('d-1', 's-1');
      await engine.runSnapshot('s-1');
      const report = await engine.scrub();
      assert.deepEqual([report.checked, report.rawBytes, report.storedBytes], [1, CHUNK, CHUNK + 20], 'two equal chunks, one file');
    } finally {
      await engine.close();
      await dir.cleanup();
    }
  });
});
