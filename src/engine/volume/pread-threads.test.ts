import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Prng, tempDir, type TempDir } from '../testing/fixtures.js';
import { SLOT_BYTES, SLOTS, pread } from './pread-threads.js';

describe('pread on threads', () => {
  let dir: TempDir;
  const size = 3 * 1024 * 1024 + 777;
  const data = new Prng('pread').bytes(size);
  let path: string;
  before(async () => {
    dir = await tempDir();
    path = join(dir.path, 'f');
    await writeFile(path, data);
  });
  after(async () => dir.cleanup());

  it('reads the bytes at many offsets and lengths at once, more reads than slots, some longer than a slot', async () => {
    const fh = await open(path, 'r');
    try {
      const rng = new Prng('offsets');
      const lengths = [1, 512, 4096, 4097, SLOT_BYTES, SLOT_BYTES + 1, 3 * SLOT_BYTES];
      const jobs = Array.from({ length: 4 * SLOTS }, (_, i) => {
        const length = lengths[i % lengths.length] as number;
        const position = rng.int(size - length);
        const buffer = Buffer.alloc(length + 10, 0xee);
        return pread(fh.fd, buffer, 5, length, position).then((n) => ({ n, buffer, position, length }));
      });
      for (const { n, buffer, position, length } of await Promise.all(jobs)) {
        assert.equal(n, length);
        assert.deepEqual(buffer.subarray(5, 5 + length), data.subarray(position, position + length));
        assert.equal(buffer[4], 0xee); // nothing written outside [at, at + length)
        assert.equal(buffer[5 + length], 0xee);
      }
    } finally {
      await fh.close();
    }
  });

  it('reads short at the end of the file and 0 past it', async () => {
    const fh = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(4096);
      assert.equal(await pread(fh.fd, buffer, 0, 4096, size - 100), 100);
      assert.deepEqual(buffer.subarray(0, 100), data.subarray(size - 100));
      assert.equal(await pread(fh.fd, buffer, 0, 4096, size + 5), 0);
    } finally {
      await fh.close();
    }
  });

  it("rejects with fs.read's error when the read fails", async () => {
    const fh = await open(dir.path, 'r'); // a directory: read fails with EISDIR
    try {
      await assert.rejects(pread(fh.fd, Buffer.alloc(4096), 0, 4096, 0), { code: 'EISDIR' });
    } finally {
      await fh.close();
    }
  });

  it('does not keep the process alive', () => {
    const module = pathToFileURL(join(import.meta.dirname, 'pread-threads.js')).href;
    const script = `import { open } from 'node:fs/promises'; import { pread } from ${JSON.stringify(module)};
      const fh = await open(${JSON.stringify(path)}, 'r');
      const n = await pread(fh.fd, Buffer.alloc(4096), 0, 4096, 0);
      await fh.close();
      console.log(n);`;
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(res.signal, null, 'the process did not exit by itself');
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout.trim(), '4096');
  });
});
