import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AllocationMap, allocationPathOf } from './allocation-map.js';
import { Volume } from './volume.js';

const MiB = 2 ** 20;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-alloc-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('AllocationMap', () => {
  it('starts empty, persists marks before resolving, and survives reopening', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'v.alloc');
      await AllocationMap.create(path, 20 * MiB + 5, MiB);
      const map = await AllocationMap.open(path);
      assert.equal(map.isUnallocated(0, 20 * MiB + 5), true);
      await map.markAllocated(3 * MiB - 1, 2); // touches chunks 2 and 3
      assert.equal(map.isUnallocated(0, 2 * MiB), true);
      assert.equal(map.isUnallocated(2 * MiB, 1), false);
      assert.equal(map.isUnallocated(3 * MiB + 10, 1), false);
      await map.markAllocated(20 * MiB, 5); // the short last chunk
      await map.close();
      const again = await AllocationMap.open(path);
      assert.equal(again.isUnallocated(2 * MiB, 2 * MiB), false);
      assert.equal(again.isUnallocated(4 * MiB, 16 * MiB), true);
      assert.equal(again.isUnallocated(20 * MiB + 4, 1), false);
      await again.close();
    });
  });

  it('concurrent first writes all become durable (group commit)', async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'v.alloc');
      await AllocationMap.create(path, 64 * MiB, MiB);
      const map = await AllocationMap.open(path);
      await Promise.all(Array.from({ length: 64 }, (_, i) => map.markAllocated(i * MiB, 1)));
      await map.close();
      const bytes = await readFile(path);
      assert.deepEqual([...bytes.subarray(24)], Array(8).fill(0xff));
    });
  });

  it('a missing or damaged map means everything counts as allocated', async () => {
    await withDir(async (dir) => {
      const missing = await AllocationMap.open(join(dir, 'none.alloc'));
      assert.equal(missing.isUnallocated(0, 10), false);
      await writeFile(join(dir, 'bad.alloc'), 'garbage');
      const bad = await AllocationMap.open(join(dir, 'bad.alloc'));
      assert.equal(bad.isUnallocated(0, 10), false);
    });
  });

  it('a volume reads never-written chunks as zeroes without its file, and marks writes first', async () => {
    await withDir(async (dir) => {
      const raw = join(dir, 'v.raw');
      // Garbage in the file where the map says "never written": the map wins (it cannot happen
      // in practice; here it proves the read did not touch the file).
      await writeFile(raw, Buffer.alloc(4 * MiB, 0x5a));
      await AllocationMap.create(allocationPathOf(raw), 4 * MiB, MiB);
      const volume = await Volume.open('v', raw);
      assert.ok((await volume.read(0, MiB)).equals(Buffer.alloc(MiB)));
      await volume.write(MiB + 100, Buffer.from('hello'), false);
      const chunk1 = await volume.read(MiB, MiB);
      assert.equal(chunk1.subarray(100, 105).toString(), 'hello');
      assert.equal(chunk1[0], 0x5a, 'an allocated chunk is read from the file');
      await volume.writeZeroes(2 * MiB, MiB, false); // zeroes over a never-written chunk: no-op
      await volume.close();
      const map = await AllocationMap.open(allocationPathOf(raw));
      assert.equal(map.isUnallocated(MiB, MiB), false);
      assert.equal(map.isUnallocated(2 * MiB, MiB), true);
      await map.close();
    });
  });
});
