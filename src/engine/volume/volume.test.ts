import assert from 'node:assert/strict';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EngineError } from '../engine.js';
import { Prng, tempDir, type TempDir } from '../testing/fixtures.js';
import { Volume, type RangeReader, type WriteGuard } from './volume.js';
import { VolumeRegistry } from './volume-registry.js';

async function sparseFile(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w');
  await fh.truncate(size);
  await fh.close();
}

describe('Volume', () => {
  let dir: TempDir;
  before(async () => (dir = await tempDir()));
  after(async () => dir.cleanup());

  it('reads back writes and write-zeroes; trim keeps data; a new volume reads as zeroes', async () => {
    const path = join(dir.path, 'a.raw');
    const size = 3 * 65536 + 123;
    await sparseFile(path, size);
    const volume = await Volume.open('a', path);
    assert.equal(volume.size, size);
    assert.deepEqual(await volume.read(0, size), Buffer.alloc(size));
    const data = new Prng('v').bytes(100_000);
    await volume.write(50_000, data, true);
    assert.deepEqual(await volume.read(50_000, data.length), data);
    await volume.writeZeroes(60_000, 50_000, false);
    const expected = Buffer.from(data);
    expected.fill(0, 10_000, 60_000);
    assert.deepEqual(await volume.read(50_000, data.length), expected);
    await volume.trim(0, size, true);
    assert.deepEqual(await volume.read(50_000, data.length), expected);
    await volume.write(size - 3, Buffer.from([1, 2, 3]), false);
    assert.deepEqual(await volume.read(size - 3, 3), Buffer.from([1, 2, 3]));
    await volume.flush();
    await assert.rejects(volume.read(size - 2, 3), RangeError);
    await assert.rejects(volume.write(size, Buffer.from([1]), false), RangeError);
    await volume.close();
  });

  it('readvInto fills the caller\'s buffers as read answers: written bytes, zeroes, read-through chunks', async () => {
    const path = join(dir.path, 'into.raw');
    const size = 4 * 65536;
    await sparseFile(path, size);
    const volume = await Volume.open('into', path);
    const data = new Prng('into').bytes(65536);
    await volume.write(65536, data, false);
    const target = Buffer.alloc(65536, 0xaa);
    const [head, tail] = [Buffer.alloc(1000, 0xaa), Buffer.alloc(64536, 0xaa)];
    await volume.readvInto(65536, [head, tail]);
    assert.deepEqual(Buffer.concat([head, tail]), data);
    await volume.readvInto(40_000, [target, head]);
    assert.deepEqual(Buffer.concat([target, head]), await volume.read(40_000, 66536), 'across written and unwritten');
    await volume.readvInto(3 * 65536, [target]);
    assert.deepEqual(target, Buffer.alloc(65536), 'a never-written range reads as zeroes');
    const served = Buffer.alloc(65536, 0x5c);
    volume.setReadThrough({ read: async () => served, beforeMutate: async () => undefined });
    await volume.readvInto(0, [head, tail]);
    assert.deepEqual(Buffer.concat([head, tail]), served, 'through the read-through layer, as read');
    volume.setReadThrough(undefined);
    await assert.rejects(volume.readvInto(size - 10, [Buffer.alloc(5), Buffer.alloc(6)]), RangeError);
    await volume.close();
    await assert.rejects(volume.readvInto(0, [target]), EngineError);
  });

  it('runs the guard before a mutation, while the old bytes are still there', async () => {
    const path = join(dir.path, 'b.raw');
    await writeFile(path, Buffer.alloc(4096, 0x11));
    const volume = await Volume.open('b', path);
    const seen: { offset: number; length: number; old: Buffer }[] = [];
    const guard: WriteGuard = {
      beforeMutate: async (reader: RangeReader, offset: number, length: number) => {
        seen.push({ offset, length, old: await reader.read(offset, length) });
      },
    };
    await volume.attachGuard(guard);
    await volume.write(100, Buffer.alloc(10, 0x22), false);
    await volume.writeZeroes(200, 20, false);
    await volume.trim(300, 30, false);
    assert.deepEqual(seen, [
      { offset: 100, length: 10, old: Buffer.alloc(10, 0x11) },
      { offset: 200, length: 20, old: Buffer.alloc(20, 0x11) },
    ]);
    volume.detachGuard(guard);
    await volume.write(0, Buffer.alloc(1), false);
    assert.equal(seen.length, 2);
    await volume.close();
  });

  it('attachGuard resolves only after the mutations already in flight', async () => {
    const path = join(dir.path, 'c.raw');
    await sparseFile(path, 8 << 20);
    const volume = await Volume.open('c', path);
    let writeDone = false;
    const write = volume.write(0, new Prng('c').bytes(8 << 20), false).then(() => (writeDone = true));
    await volume.attachGuard({ beforeMutate: async () => {} });
    assert.equal(writeDone, true);
    await write;
    await volume.close();
  });

  it('after close, calls reject with VolumeNotFound and calls in flight complete', async () => {
    const path = join(dir.path, 'd.raw');
    await sparseFile(path, 1 << 20);
    const volume = await Volume.open('d', path);
    const inflight = volume.write(0, Buffer.alloc(1 << 20, 7), false);
    const closing = volume.close();
    await inflight;
    await closing;
    for (const call of [volume.read(0, 1), volume.write(0, Buffer.alloc(1), true), volume.flush(),
      volume.trim(0, 1, false), volume.writeZeroes(0, 1, false)]) {
      await assert.rejects(call, (err: unknown) => err instanceof EngineError && err.kind === 'VolumeNotFound');
    }
    await volume.close();
  });
});

describe('VolumeRegistry', () => {
  let dir: TempDir;
  before(async () => (dir = await tempDir()));
  after(async () => dir.cleanup());

  it('shares one Volume per id, closes it with the last reference, reopens on demand', async () => {
    const opened: string[] = [];
    const registry = new VolumeRegistry(dir.path, (v) => opened.push(v.id));
    await sparseFile(registry.pathOf('x'), 65536);
    assert.equal(await registry.acquire('missing'), undefined);
    const [a, b] = await Promise.all([registry.acquire('x'), registry.acquire('x')]);
    assert.ok(a && a === b);
    assert.deepEqual(opened, ['x']);
    registry.release(a);
    assert.equal(a.closed, false);
    registry.release(b!);
    registry.release(b!); // extra releases are ignored
    const c = await registry.acquire('x');
    assert.ok(c && c !== a);
    assert.equal(a.closed, true);
    assert.deepEqual(opened, ['x', 'x']);
    await registry.close('x');
    assert.equal(c.closed, true);
    await assert.rejects(c.read(0, 1), EngineError);
    registry.release(c); // after a forced close: harmless
    await registry.closeAll();
  });
});
