import assert from 'node:assert/strict';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../testing/fixtures.js';
import { FlushBehind } from './flush-behind.js';

/** A file handle whose fdatasync calls are counted, and fail with `failWith` when set (an injected I/O error). */
function countingHandle(fh: FileHandle, failWith?: Error): { handle: FileHandle; datasyncs: () => number } {
  let datasyncs = 0;
  const handle = new Proxy(fh, {
    get(target, key) {
      if (key === 'datasync') {
        return async () => {
          datasyncs++;
          if (failWith) throw failWith;
          return target.datasync();
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { handle, datasyncs: () => datasyncs };
}

describe('FlushBehind', () => {
  it('starts an fdatasync each time enough was written, one at a time, and fsyncs at the end', async () => {
    const dir = await tempDir();
    const fh = await open(join(dir.path, 'f'), 'w');
    try {
      const { handle, datasyncs } = countingHandle(fh);
      const flush = new FlushBehind(handle, 1000);
      await fh.write(Buffer.alloc(600, 1), 0, 600, 0);
      flush.wrote(600);
      assert.equal(datasyncs(), 0, 'not enough yet');
      await fh.write(Buffer.alloc(600, 2), 0, 600, 600);
      flush.wrote(600);
      flush.wrote(5000); // while the first one runs: no second one
      assert.equal(datasyncs(), 1);
      await flush.finish();
      assert.equal((await readFile(join(dir.path, 'f'))).length, 1200);
    } finally {
      await fh.close();
      await dir.cleanup();
    }
  });

  it('throws from finish() what an early fdatasync failed with (the final fsync would not report it again)', async () => {
    const dir = await tempDir();
    const fh = await open(join(dir.path, 'f'), 'w');
    try {
      const flush = new FlushBehind(countingHandle(fh, new Error('EIO: injected write-back error')).handle, 10);
      flush.wrote(100);
      await assert.rejects(flush.finish(), /injected write-back error/);
    } finally {
      await fh.close();
      await dir.cleanup();
    }
  });
});
