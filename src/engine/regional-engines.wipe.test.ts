/** LocalRegionalEngines.wipe (reset-all-state): every volume, session, manifest and chunk goes; the engines keep working. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LocalRegionalEngines } from './regional-engines.js';
import { clock } from './testing/engine-fixture.js';
import { countChunks, Prng, readVolume, tempDir, writeVolume } from './testing/fixtures.js';

const CHUNK = 64 * 1024;
const SIZE = 8 * CHUNK;

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => e.name);
}

describe('LocalRegionalEngines.wipe', () => {
  it('removes volumes, sessions, manifests and chunks of every region, and the engines work afterwards', async () => {
    const dir = await tempDir();
    const fleet = await LocalRegionalEngines.open({ dataDir: dir.path, regionIds: ['r-a', 'r-b'], chunkSize: CHUNK, clock });
    try {
      const data = new Prng('wipe').bytes(SIZE);
      for (const region of ['r-a', 'r-b']) {
        const engine = fleet.region(region);
        await engine.createVolume(`v-${region}`, SIZE);
        await writeVolume(engine.exports(), `v-${region}`, 0, data);
        await engine.beginSnapshot(`v-${region}`, `s-${region}`);
        await engine.runSnapshot(`s-${region}`);
      }
      await fleet.region('r-a').beginSnapshot('v-r-a', 's-open'); // an open session
      const dropped: string[] = [];
      await fleet.wipe((id) => dropped.push(id));
      assert.deepEqual(dropped.sort(), ['v-r-a', 'v-r-b']);
      for (const region of ['r-a', 'r-b']) {
        // The chunk store's index log stays (it records the deletions); no pack, no other file.
        const left = (await files(join(dir.path, region))).filter((f) => !f.startsWith('.') && f !== 'index.log');
        assert.deepEqual(left, [], `${region}: ${left.join(', ')}`);
        assert.equal(await countChunks(fleet.region(region).chunkStore), 0);
        assert.equal(await fleet.region(region).manifestInfo(`s-${region}`), undefined);
        assert.deepEqual(await fleet.region(region).listSessions(), []);
      }
      // Same ids again, same bytes: the chunk store writes its chunks anew (no stale "already there").
      const engine = fleet.region('r-a');
      await engine.createVolume('v-r-a', SIZE);
      await writeVolume(engine.exports(), 'v-r-a', 0, data);
      await engine.beginSnapshot('v-r-a', 's-r-a');
      await engine.runSnapshot('s-r-a');
      await engine.restoreVolume('s-r-a', 'v-copy', SIZE);
      assert.ok((await readVolume(engine.exports(), 'v-copy')).equals(data));
    } finally {
      await fleet.close();
      await dir.cleanup();
    }
  });
});
