/**
 * The core promise: a snapshot is the image at beginSnapshot, even while the
 * guest keeps writing during runSnapshot; the live volume keeps every write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../kernel/clock.js';
import { openHooked } from './testing/engine-fixture.js';
import { Prng, readVolume, sha256, tempDir, type TempDir } from './testing/fixtures.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const SIZE = 16 * MiB;
const LANES = 4;

describe('LocalBlockEngine: point in time under concurrent writes', () => {
  let dir: TempDir;
  before(async () => (dir = await tempDir()));
  after(async () => dir.cleanup());

  it('restores exactly the begin-time image while the live volume holds all later writes', async () => {
    const { engine, store } = await openHooked(dir.path, CHUNK);
    const prng = new Prng('point-in-time');
    await engine.createVolume('d-live', SIZE);
    const handle = (await engine.exports().open('d-live'))!;
    const device = handle.device;
    const model = prng.bytes(SIZE);
    for (let off = 0; off < SIZE; off += 4 * MiB) await device.write(off, model.subarray(off, off + 4 * MiB), false);
    // A few zero chunks and a zero range straddling a chunk boundary.
    for (const [off, len] of [[0, CHUNK], [5 * MiB, 3 * CHUNK], [7 * MiB + 100, CHUNK]] as const) {
      await device.writeZeroes(off, len, false);
      model.fill(0, off, off + len);
    }
    const beginImage = sha256(model);

    await engine.beginSnapshot('d-live', 's-pit');
    store.beforePut = () => systemClock.sleep(1); // let guest writes interleave with the job
    let jobDone = false;
    const job = engine.runSnapshot('s-pit').finally(() => (jobDone = true));

    let duringJob = 0;
    let total = 0;
    const laneSize = SIZE / LANES;
    const lane = async (k: number): Promise<void> => {
      const base = k * laneSize;
      for (let afterJob = 0; afterJob < 15;) {
        const length = 1 + prng.int(3 * CHUNK);
        const offset = base + prng.int(laneSize - length);
        const kind = prng.int(10);
        if (kind < 7) {
          const data = prng.bytes(length);
          await device.write(offset, data, prng.int(4) === 0);
          data.copy(model, offset);
        } else if (kind < 9) {
          await device.writeZeroes(offset, length, false);
          model.fill(0, offset, offset + length);
        } else {
          await device.trim(offset, length, false); // trim keeps data in this engine
        }
        total++;
        if (jobDone) afterJob++;
        else duringJob++;
      }
    };
    await Promise.all([job, ...Array.from({ length: LANES }, (_, k) => lane(k))]);
    const info = await job;
    assert.ok(duringJob >= 20, `only ${duringJob} of ${total} writes overlapped the job`);
    assert.equal(info.sizeBytes, SIZE);
    assert.equal(info.chunkSize, CHUNK);
    assert.equal(info.dataChunks, SIZE / CHUNK - 1 - 3, 'zero chunks are recorded as zero');

    assert.equal(sha256(await device.read(0, SIZE)), sha256(model), 'live volume holds every write');
    handle.release();
    await engine.restoreVolume('s-pit', 'd-restored', SIZE);
    assert.equal(sha256(await readVolume(engine.exports(), 'd-restored')), beginImage, 'restored = begin-time image');
    assert.deepEqual(await engine.listSessions(), []);
    await engine.close();
  });
});
