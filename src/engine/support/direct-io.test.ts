import assert from 'node:assert/strict';
import { readFile, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Prng, tempDir } from '../testing/fixtures.js';
import { DIRECT_ALIGNMENT, DIRECT_SLOT_BYTES, DirectWriter } from './direct-io.js';

const SLOT = 64 * 1024;
/** statfs magic numbers of file systems known to take O_DIRECT writes: ext4, xfs, btrfs. */
const TAKES_DIRECT = new Set([0xef53, 0x58465342, 0x9123683e]);

describe('O_DIRECT writer', () => {
  it('writes aligned parts, more at once than it has slots, and declines what O_DIRECT cannot take', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'v.raw');
      const model = Buffer.alloc(24 * SLOT, 0x11);
      await writeFile(path, model);
      const writer = await DirectWriter.open(path);
      const prng = new Prng('direct');
      // More writes at once than the process has slots (16): some wait. Each of two parts, one after another.
      const writes = Array.from({ length: 20 }, (_, k) => k + (k >= 10 ? 2 : 0)).map((k) => ({ at: k * SLOT, parts: [prng.bytes(SLOT / 4), prng.bytes((3 * SLOT) / 4)] }));
      const done = await Promise.all(writes.map((w) => writer.write(w.parts, w.at)));
      for (const w of writes) Buffer.concat(w.parts).copy(model, w.at);
      // Declined, nothing written: an unaligned offset or length, more than a slot, nothing at all.
      const declined = await Promise.all([
        writer.write([Buffer.alloc(DIRECT_ALIGNMENT, 1)], DIRECT_ALIGNMENT / 2),
        writer.write([Buffer.alloc(DIRECT_ALIGNMENT + 1, 1)], 2 * SLOT),
        writer.write([Buffer.alloc(DIRECT_SLOT_BYTES + DIRECT_ALIGNMENT, 1)], 0),
        writer.write([], 0),
      ]);
      await writer.close();
      const onDisk = await readFile(path);
      if (!TAKES_DIRECT.has((await statfs(path)).type) && done.every((ok) => !ok)) {
        // Another file system that refuses O_DIRECT: every write declined, the file as it was.
        assert.deepEqual(onDisk, Buffer.alloc(24 * SLOT, 0x11));
        return;
      }
      assert.deepEqual(done, writes.map(() => true));
      assert.deepEqual(declined, [false, false, false, false]);
      assert.ok(onDisk.equals(model), 'the file holds exactly the accepted writes');
    } finally {
      await dir.cleanup();
    }
  });

  it('fails the open of a missing file (only a refused O_DIRECT is declined)', async () => {
    const dir = await tempDir();
    try {
      await assert.rejects(DirectWriter.open(join(dir.path, 'none.raw')), { code: 'ENOENT' });
    } finally {
      await dir.cleanup();
    }
  });
});
