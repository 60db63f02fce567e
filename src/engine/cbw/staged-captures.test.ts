/** Parked chunks: pending until stored, reloaded after a crash unless the log recorded them; jobs can wait for parks. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sha256Hex } from '../chunks/chunk-store.js';
import { Prng, tempDir, type TempDir } from '../testing/fixtures.js';
import { syncHasher } from '../support/worker-pool.js';
import { StagedCaptures, stagePathOf } from './staged-captures.js';

const CHUNK = 64 * 1024;

describe('StagedCaptures', () => {
  let dir: TempDir;
  let path: string;
  beforeEach(async () => {
    dir = await tempDir();
    path = stagePathOf(join(dir.path, 's-1.session'));
  });
  afterEach(async () => dir.cleanup());

  it('names the stage file after the session', () => {
    assert.equal(stagePathOf('/d/sessions/s-1.session'), '/d/sessions/s-1.stage');
  });

  it('creates no file until the first park; settled() waits for parks in progress', async () => {
    const staging = new StagedCaptures(path, CHUNK);
    await staging.settled();
    assert.deepEqual(await readdir(dir.path), []);
    const data = new Prng('park').bytes(CHUNK);
    const parking = [staging.park(3, sha256Hex(data), data), staging.park(5, sha256Hex(data), data)];
    await staging.settled();
    assert.equal(staging.parked, 2, 'settled resolved only once both parks were done');
    assert.equal(staging.size, 2);
    await Promise.all(parking);
    assert.ok((await staging.read(staging.pendingChunks()[0]!)).equals(data));
    staging.done(3);
    assert.deepEqual(staging.pendingChunks().map((c) => c.index), [5]);
    await staging.remove();
    assert.deepEqual(await readdir(dir.path), []);
  });

  it('a reload keeps the parked chunks the log does not record', async () => {
    const staging = new StagedCaptures(path, CHUNK);
    const prng = new Prng('reload');
    for (const index of [1, 2, 7]) {
      const data = prng.bytes(CHUNK);
      await staging.park(index, sha256Hex(data), data);
    }
    await staging.close();
    const reloaded = await StagedCaptures.load(path, CHUNK, syncHasher, (index) => index === 2);
    assert.deepEqual(reloaded.pendingChunks().map((c) => c.index).sort(), [1, 7]);
    assert.equal(reloaded.parked, 0, 'parked counts this process only');
    await reloaded.remove();
  });
});
