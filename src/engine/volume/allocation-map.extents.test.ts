/** AllocationMap.extents and Volume.blockStatus: the allocation the NBD server reports as base:allocation. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AllocationMap, allocationPathOf } from './allocation-map.js';
import { Volume } from './volume.js';

const KiB = 1024;
const GRAIN = 64 * KiB;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-extents-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('AllocationMap.extents', () => {
  it('runs of holes and data, clipped to the range, across whole bytes of the bitmap', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'v.alloc');
      const size = 100 * GRAIN + 5; // a short last chunk
      // Chunks 3, 4, 40..59 (whole bitmap bytes) and the last one are written.
      const written = [3, 4, ...Array.from({ length: 20 }, (_, i) => 40 + i), 100];
      await AllocationMap.create(path, size, GRAIN, written);
      const map = await AllocationMap.open(path);
      assert.deepEqual(map.extents(0, size), [
        { length: 3 * GRAIN, hole: true },
        { length: 2 * GRAIN, hole: false },
        { length: 35 * GRAIN, hole: true },
        { length: 20 * GRAIN, hole: false },
        { length: 40 * GRAIN, hole: true },
        { length: 5, hole: false },
      ]);
      assert.deepEqual(map.extents(3 * GRAIN + 7, 10), [{ length: 10, hole: false }]);
      assert.deepEqual(map.extents(5 * GRAIN - 1, 2), [{ length: 1, hole: false }, { length: 1, hole: true }]);
      assert.deepEqual(map.extents(0, 0), []);
      await map.markAllocated(GRAIN, 1);
      assert.deepEqual(map.extents(0, 5 * GRAIN), [
        { length: GRAIN, hole: true }, { length: GRAIN, hole: false }, { length: GRAIN, hole: true },
        { length: 2 * GRAIN, hole: false },
      ]);
      await map.close();
    });
  });

  it('a volume without a map is all data', async () => {
    await withDir(async (dir) => {
      const map = await AllocationMap.open(join(dir, 'missing.alloc'));
      assert.deepEqual(map.extents(10, 1000), [{ length: 1000, hole: false }]);
    });
  });
});

describe('Volume.blockStatus', () => {
  it('reports never-written chunks as holes; writes (not zeroes over holes) make data', async () => {
    await withDir(async (dir) => {
      const raw = join(dir, 'v.raw');
      await writeFile(raw, Buffer.alloc(0));
      const size = 16 * GRAIN;
      await AllocationMap.create(allocationPathOf(raw), size, GRAIN);
      const volume = await Volume.open('v', raw);
      await volume.grow(size);
      assert.deepEqual(await volume.blockStatus(0, size), [{ length: size, hole: true }]);
      await volume.write(2 * GRAIN + 10, Buffer.alloc(10, 1), false);
      await volume.writeZeroes(8 * GRAIN, GRAIN, false);
      assert.deepEqual(await volume.blockStatus(0, size), [
        { length: 2 * GRAIN, hole: true }, { length: GRAIN, hole: false }, { length: 13 * GRAIN, hole: true },
      ]);
      await assert.rejects(volume.blockStatus(size - 1, 2), RangeError);
      await volume.close();
    });
  });
});
