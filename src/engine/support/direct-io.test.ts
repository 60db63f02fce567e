import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Prng, tempDir } from '../testing/fixtures.js';
import { ALIGNMENT, DirectWriter, openDirect } from './direct-io.js';

const SLOT = 64 * 1024;

describe('direct I/O writer', () => {
  it('writes whole and partial chunks through fewer slots than writes, padding only past the end', async (t) => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'v.raw');
      const fh = await openDirect(path);
      if (!fh) return t.skip('this file system has no O_DIRECT');
      const prng = new Prng('direct');
      const pieces = [prng.bytes(SLOT), prng.bytes(SLOT), prng.bytes(1000)];
      const size = 2 * SLOT + 1000;
      await fh.truncate(size);
      const writer = new DirectWriter(fh, 2, SLOT); // the third write waits for a slot
      await Promise.all(pieces.map((data, i) => writer.write(data, i * SLOT)));
      await fh.truncate(size);
      await fh.sync();
      await fh.close();
      assert.ok((await readFile(path)).equals(Buffer.concat(pieces)));
    } finally {
      await dir.cleanup();
    }
  });

  it('refuses unaligned offsets and data larger than a slot', async (t) => {
    const dir = await tempDir();
    try {
      const fh = await openDirect(join(dir.path, 'v.raw'));
      if (!fh) return t.skip('this file system has no O_DIRECT');
      const writer = new DirectWriter(fh, 1, SLOT);
      await assert.rejects(writer.write(Buffer.alloc(10), ALIGNMENT / 2), RangeError);
      await assert.rejects(writer.write(Buffer.alloc(SLOT + ALIGNMENT), 0), RangeError);
      await writer.write(Buffer.alloc(10, 1), 0); // the slot came back after the refusal
      await fh.close();
    } finally {
      await dir.cleanup();
    }
  });
});
