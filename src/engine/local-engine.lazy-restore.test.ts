/**
 * Lazy restore: a volume made from a snapshot is served at once (reads of
 * unfilled chunks come from the store, verified), a write into an unfilled
 * chunk fills it first, the fill is durable and resumes after a crash without
 * touching chunks the guest wrote, and a corrupt chunk fails reads and the fill.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FsChunkStore } from './chunks/fs-chunk-store.js';
import { LocalBlockEngine } from './local-engine.js';
import { GUEST_READS_PER_EXTENT } from './snapshot/lazy-fill.js';
import { NbdServer } from './nbd/server.js';
import { missingTool, run } from './nbd/testing/tools.js';
import { clock, engineError } from './testing/engine-fixture.js';
import { DelegatingChunkStore, Prng, readVolume, sha256, tempDir, writeVolume, type TempDir } from './testing/fixtures.js';
import { mustFindChunk } from './testing/stored-chunks.js';

const CHUNK = 64 * 1024;
const SIZE = 2 * 1024 * 1024 + 5000; // 33 chunks, the last one partial
const ZERO_CHUNKS = [4, 5, 6];

/** A chunk store whose `get` can be held at a gate (to stop a fill half-way) and counted. */
class GatedStore extends DelegatingChunkStore {
  gets = 0;
  onGet: (() => void) | undefined;
  /** Gets after this many wait for `open()`; Infinity = never wait. */
  passFirst = Infinity;
  private waiting: { resolve: () => void; reject: (err: Error) => void }[] = [];

  override async get(digest: string): Promise<Buffer | undefined> {
    this.onGet?.();
    if (++this.gets > this.passFirst) {
      await new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
    return this.inner.get(digest);
  }

  /** Fails every held get (a crash: the process never finishes them). */
  failHeld(): void {
    for (const w of this.waiting.splice(0)) w.reject(new Error('crashed'));
  }
}

describe('LocalBlockEngine: lazy restore', () => {
  let dir: TempDir;
  let image: Buffer;
  const engines: LocalBlockEngine[] = [];
  const stores: GatedStore[] = [];

  async function open(): Promise<{ engine: LocalBlockEngine; store: GatedStore }> {
    const store = new GatedStore(await FsChunkStore.open(join(dir.path, 'chunks')));
    // Four chunks in flight: the interrupted fill below stops with most of the volume still unfilled.
    const engine = await LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize: CHUNK, chunkStore: store, concurrency: 4 });
    engines.push(engine);
    stores.push(store);
    return { engine, store };
  }

  beforeEach(async () => {
    dir = await tempDir();
    const { engine } = await open();
    image = new Prng('lazy').bytes(SIZE);
    for (const i of ZERO_CHUNKS) image.fill(0, i * CHUNK, (i + 1) * CHUNK);
    await engine.createVolume('d-src', SIZE);
    await writeVolume(engine.exports(), 'd-src', 0, image);
    await engine.beginSnapshot('d-src', 's-1');
    await engine.runSnapshot('s-1');
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) store.failHeld();
    for (const engine of engines.splice(0)) await engine.close();
    await dir.cleanup();
  });

  const volumeFiles = async (id: string): Promise<string[]> =>
    (await readdir(join(dir.path, 'volumes'))).filter((n) => n.startsWith(`${id}.`)).sort();

  it('serves the snapshot at once, reads verified from the store, and the fill completes it', async () => {
    const [{ engine, store }] = [{ engine: engines[0]!, store: stores[0]! }];
    await engine.beginLazyRestore('s-1', 'd-lazy', SIZE + 3 * CHUNK);
    await engine.beginLazyRestore('s-1', 'd-lazy', SIZE + 3 * CHUNK); // idempotent
    assert.deepEqual(await volumeFiles('d-lazy'), ['d-lazy.alloc', 'd-lazy.filled', 'd-lazy.lazy', 'd-lazy.raw']);
    const before = store.gets;
    const read = await readVolume(engine.exports(), 'd-lazy');
    assert.ok(store.gets > before, 'unfilled chunks were read from the store');
    assert.equal(read.length, SIZE + 3 * CHUNK);
    assert.equal(sha256(read.subarray(0, SIZE)), sha256(image));
    assert.ok(read.subarray(SIZE).every((b) => b === 0));
    const { chunksFilled } = await engine.fillVolume('d-lazy');
    assert.equal(chunksFilled, 33 - ZERO_CHUNKS.length);
    assert.deepEqual(await volumeFiles('d-lazy'), ['d-lazy.alloc', 'd-lazy.raw']);
    const gets = store.gets;
    assert.equal(sha256((await readVolume(engine.exports(), 'd-lazy')).subarray(0, SIZE)), sha256(image));
    assert.equal(store.gets, gets, 'a filled volume reads only its file');
    assert.deepEqual(await engine.fillVolume('d-lazy'), { chunksFilled: 0 });
    await assert.rejects(engine.fillVolume('d-none'), engineError('VolumeNotFound'));
    await assert.rejects(engine.beginLazyRestore('s-none', 'd-x', SIZE), engineError('ManifestNotFound'));
    await assert.rejects(engine.beginLazyRestore('s-1', 'd-x', SIZE - 1), RangeError);
  });

  it('a partial write into an unfilled chunk keeps the rest of the chunk, and the fill leaves it alone', async () => {
    const engine = engines[0]!;
    await engine.beginLazyRestore('s-1', 'd-lazy', SIZE);
    const model = Buffer.from(image);
    const patch = new Prng('patch').bytes(300);
    for (const offset of [9 * CHUNK + 1000, 12 * CHUNK - 100, 5 * CHUNK + 7, SIZE - 200]) {
      const data = patch.subarray(0, Math.min(300, SIZE - offset));
      await writeVolume(engine.exports(), 'd-lazy', offset, data);
      data.copy(model, offset);
    }
    const handle = (await engine.exports().open('d-lazy'))!;
    await handle.device.writeZeroes(20 * CHUNK + 10, 100, false);
    handle.release();
    model.fill(0, 20 * CHUNK + 10, 20 * CHUNK + 110);
    assert.equal(sha256(await readVolume(engine.exports(), 'd-lazy')), sha256(model));
    const { chunksFilled } = await engine.fillVolume('d-lazy');
    // Chunks 9, 11, 12, 20 and 32 were filled by the writes (5 is a zero chunk: nothing to fill).
    assert.equal(chunksFilled, 33 - ZERO_CHUNKS.length - 5);
    assert.equal(sha256(await readVolume(engine.exports(), 'd-lazy')), sha256(model));
  });

  it('guest writes racing the background fill keep their bytes (the fill writes a run under its chunks\' locks)', async () => {
    const engine = engines[0]!;
    await engine.beginLazyRestore('s-1', 'd-lazy', SIZE);
    const model = Buffer.from(image);
    const fill = engine.fillVolume('d-lazy');
    const writes = [];
    for (let i = 0; i < 33; i += 2) {
      const data = new Prng(`race-${i}`).bytes(700);
      writes.push(writeVolume(engine.exports(), 'd-lazy', i * CHUNK + 50 * i, data));
      data.copy(model, i * CHUNK + 50 * i);
    }
    await Promise.all([fill, ...writes]);
    assert.equal(sha256(await readVolume(engine.exports(), 'd-lazy')), sha256(model));
  });

  it('a fill interrupted by a crash resumes, and never re-fills a chunk the guest wrote', async () => {
    const first = { engine: engines[0]!, store: stores[0]! };
    await first.engine.beginLazyRestore('s-1', 'd-lazy', SIZE);
    const model = Buffer.from(image);
    const patch = new Prng('late').bytes(CHUNK / 2);
    await writeVolume(first.engine.exports(), 'd-lazy', 30 * CHUNK + 100, patch); // an unfilled chunk
    patch.copy(model, 30 * CHUNK + 100);
    // The fill stops after a few chunks (the fills in flight complete); then the engine is abandoned: a crash.
    const stop = new AbortController();
    const startGets = first.store.gets;
    first.store.onGet = () => void (first.store.gets >= startGets + 6 && stop.abort(new Error('crash')));
    await assert.rejects(first.engine.fillVolume('d-lazy', stop.signal));

    const second = await open();
    assert.equal(sha256(await readVolume(second.engine.exports(), 'd-lazy')), sha256(model));
    const { chunksFilled } = await second.engine.fillVolume('d-lazy');
    const dataChunks = 33 - ZERO_CHUNKS.length;
    // Chunk 30 was filled by the guest's write; at least 6 more before the crash.
    assert.ok(chunksFilled > 0 && chunksFilled <= dataChunks - 1 - 6, `resumed: ${chunksFilled} chunks`);
    assert.equal(sha256(await readVolume(second.engine.exports(), 'd-lazy')), sha256(model));
  });

  it('a snapshot taken mid-fill captures the restored bytes (copy-before-write reads through the lazy path)', async () => {
    const engine = engines[0]!;
    await engine.beginLazyRestore('s-1', 'd-lazy', SIZE);
    await engine.beginSnapshot('d-lazy', 's-2');
    await writeVolume(engine.exports(), 'd-lazy', 15 * CHUNK, Buffer.alloc(2 * CHUNK, 0xee));
    await engine.runSnapshot('s-2');
    await engine.fillVolume('d-lazy');
    await engine.restoreVolume('s-2', 'd-copy', SIZE);
    assert.equal(sha256(await readVolume(engine.exports(), 'd-copy')), sha256(image));
  });

  it('a resize mid-fill keeps the restored bytes and the new range reads as zeroes', async () => {
    const engine = engines[0]!;
    await engine.beginLazyRestore('s-1', 'd-lazy', SIZE);
    await engine.resizeVolume('d-lazy', SIZE + 4 * CHUNK);
    await writeVolume(engine.exports(), 'd-lazy', SIZE + CHUNK, Buffer.alloc(10, 1));
    await engine.fillVolume('d-lazy');
    const read = await readVolume(engine.exports(), 'd-lazy');
    assert.equal(sha256(read.subarray(0, SIZE)), sha256(image));
    assert.deepEqual(read.subarray(SIZE + CHUNK, SIZE + CHUNK + 10), Buffer.alloc(10, 1));
  });

  it('reads through the default pack store match the image wherever they start and end, filled or not', async () => {
    // The default store reads runs of raw chunks into hashing slots (getRawInto); a read spans
    // unfilled chunks only (no file read), or filled ones, the source's partial last chunk and a
    // resized tail too (file and source merged).
    const engine = await LocalBlockEngine.open({ dataDir: join(dir.path, 'packed'), clock, chunkSize: CHUNK });
    engines.push(engine);
    await engine.createVolume('d-src', SIZE);
    await writeVolume(engine.exports(), 'd-src', 0, image);
    await engine.beginSnapshot('d-src', 's-1');
    await engine.runSnapshot('s-1');
    await engine.beginLazyRestore('s-1', 'd-lazy', SIZE);
    await engine.resizeVolume('d-lazy', SIZE + 3 * CHUNK);
    const model = Buffer.concat([image, Buffer.alloc(3 * CHUNK)]);
    const patch = new Prng('filled').bytes(CHUNK);
    for (const offset of [2 * CHUNK + 100, 17 * CHUNK, SIZE + CHUNK + 5]) {
      await writeVolume(engine.exports(), 'd-lazy', offset, patch.subarray(0, 999));
      patch.copy(model, offset, 0, 999);
    }
    const rand = new Prng('ranges').bytes(4 * 64);
    const handle = (await engine.exports().open('d-lazy'))!;
    try {
      for (let k = 0; k < 64; k++) {
        const offset = rand.readUInt32LE(4 * k) % model.length;
        const length = Math.min(model.length - offset, 1 + (rand.readUInt16LE(4 * k) % (5 * CHUNK)));
        assert.deepEqual(await handle.device.read(offset, length), model.subarray(offset, offset + length),
          `read ${offset}+${length}`);
      }
      for (const [offset, length] of [[0, model.length], [3 * CHUNK, 10 * CHUNK], [SIZE - 100, 200], [31 * CHUNK, 3 * CHUNK]]) {
        assert.deepEqual(await handle.device.read(offset!, length!), model.subarray(offset!, offset! + length!),
          `read ${offset}+${length}`);
      }
    } finally {
      handle.release();
    }
    await engine.fillVolume('d-lazy');
    assert.equal(sha256(await readVolume(engine.exports(), 'd-lazy')), sha256(model));
  });

  it('while guest reads wait on the store the fill yields: one extent at a time, each after a few reads', async () => {
    // Gets outstanding at once, the held and the uncounted chunks' aside: the fill's own concurrency.
    class WatchedStore extends DelegatingChunkStore {
      inFlight = 0;
      most = 0;
      held: string | undefined;
      uncounted: string | undefined;
      waiting: (() => void)[] = [];
      release(): void {
        this.held = undefined;
        for (const resolve of this.waiting.splice(0)) resolve();
      }
      override async get(digest: string): Promise<Buffer | undefined> {
        if (digest === this.held) {
          await new Promise<void>((resolve) => this.waiting.push(resolve));
          return this.inner.get(digest);
        }
        if (digest === this.uncounted) return this.inner.get(digest);
        this.most = Math.max(this.most, ++this.inFlight);
        try {
          await new Promise((resolve) => setImmediate(resolve));
          return await this.inner.get(digest);
        } finally {
          this.inFlight--;
        }
      }
    }
    const store = new WatchedStore(await FsChunkStore.open(join(dir.path, 'chunks')));
    // 64 chunks in flight: four extents of 16 at once when nothing else waits.
    const engine = await LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize: CHUNK, chunkStore: store, concurrency: 64 });
    engines.push(engine);
    const manifest = JSON.parse(await readFile(join(dir.path, 'manifests', 's-1.json'), 'utf8')) as { chunks: string[] };
    const perExtent = 16;

    await engine.beginLazyRestore('s-1', 'd-quiet', SIZE);
    await engine.fillVolume('d-quiet');
    assert.ok(store.most > perExtent, `without guest reads the fill runs extents side by side (${store.most} gets at once)`);

    await engine.beginLazyRestore('s-1', 'd-busy', SIZE);
    store.held = manifest.chunks[32]!;
    store.most = 0;
    const handle = (await engine.exports().open('d-busy'))!;
    try {
      const read = handle.device.read(32 * CHUNK, 100);
      while (store.waiting.length === 0) await new Promise((resolve) => setImmediate(resolve));
      const fill = engine.fillVolume('d-busy');
      // More guest reads (of chunk 31: unfilled until the last extent, which waits for the held chunk too)
      // complete one after another until the fill reaches the held chunk: its three extents
      // ([0..3], [7..22], [23..32]) waited for GUEST_READS_PER_EXTENT completed reads each.
      store.uncounted = manifest.chunks[31]!;
      let reads = 0;
      while (store.waiting.length < 2) {
        assert.deepEqual(await handle.device.read(31 * CHUNK, 10), image.subarray(31 * CHUNK, 31 * CHUNK + 10));
        reads++;
      }
      assert.ok(reads >= 3 * GUEST_READS_PER_EXTENT, `the fill went on after ${reads} guest reads`);
      store.release();
      assert.deepEqual(await read, image.subarray(32 * CHUNK, 32 * CHUNK + 100));
      await fill;
    } finally {
      store.release(); // a failed check above must not leave the read and the fill hanging
      handle.release();
    }
    assert.ok(store.most <= perExtent, `with a guest read waiting, one extent at a time (${store.most} gets at once)`);
    assert.equal(sha256((await readVolume(engine.exports(), 'd-busy')).subarray(0, SIZE)), sha256(image));
  });

  it('deleting the volume cancels its fill and removes the fill state', async () => {
    const { engine, store } = { engine: engines[0]!, store: stores[0]! };
    await engine.beginLazyRestore('s-1', 'd-lazy', SIZE);
    store.passFirst = store.gets + 3;
    const fill = engine.fillVolume('d-lazy');
    fill.catch(() => undefined);
    while (store.gets < store.passFirst + 1) await new Promise((resolve) => setImmediate(resolve));
    const deleting = engine.deleteVolume('d-lazy');
    store.passFirst = Infinity;
    setImmediate(() => store.failHeld());
    await deleting;
    await assert.rejects(fill);
    assert.deepEqual(await volumeFiles('d-lazy'), []);
    assert.equal(await engine.volumeExists('d-lazy'), false);
  });

  it('an unreadable fill state after a restart fails that volume\'s I/O and fill, not the engine', async () => {
    const engine = engines[0]!;
    await engine.beginLazyRestore('s-1', 'd-lazy', SIZE);
    await engine.beginLazyRestore('s-1', 'd-other', SIZE);
    const lazyFile = join(dir.path, 'volumes', 'd-lazy.lazy');
    await writeFile(lazyFile, (await readFile(lazyFile, 'utf8')).replace('"chunkSize":65536', '"chunkSize":65537'));
    const second = (await open()).engine;
    const handle = (await second.exports().open('d-lazy'))!;
    try {
      await assert.rejects(handle.device.read(0, 4096), engineError('ManifestCorrupt'));
      await assert.rejects(handle.device.write(0, Buffer.alloc(1), false), engineError('ManifestCorrupt'));
    } finally {
      handle.release();
    }
    await assert.rejects(second.fillVolume('d-lazy'), engineError('ManifestCorrupt'));
    await second.fillVolume('d-other');
    assert.equal(sha256(await readVolume(second.exports(), 'd-other')), sha256(image));
    await second.deleteVolume('d-lazy');
    assert.deepEqual(await volumeFiles('d-lazy'), []);
  });

  it('a corrupt chunk fails the reads that need it (EIO over NBD) and the fill; the rest stays readable', async (t) => {
    const engine = engines[0]!;
    const manifest = JSON.parse(await readFile(join(dir.path, 'manifests', 's-1.json'), 'utf8')) as { chunks: string[] };
    const stored = (digest: string) => mustFindChunk(join(dir.path, 'chunks'), digest);
    await engine.beginLazyRestore('s-1', 'd-lazy', SIZE);
    // Another chunk's stored bytes under chunk 7's digest: valid for the store, wrong for the digest.
    await (await stored(manifest.chunks[7]!)).write(await (await stored(manifest.chunks[8]!)).read());
    const handle = (await engine.exports().open('d-lazy'))!;
    try {
      await assert.rejects(handle.device.read(7 * CHUNK + 10, 100), engineError('ChunkCorrupt'));
      await assert.rejects(handle.device.write(7 * CHUNK + 10, Buffer.alloc(10), false), engineError('ChunkCorrupt'));
      assert.deepEqual(await handle.device.read(8 * CHUNK, CHUNK), image.subarray(8 * CHUNK, 9 * CHUNK));
    } finally {
      handle.release();
    }
    await assert.rejects(engine.fillVolume('d-lazy'), engineError('ChunkCorrupt'));
    assert.ok((await volumeFiles('d-lazy')).includes('d-lazy.lazy'), 'still lazy: the fill did not finish');

    const missing = missingTool('qemu-io');
    if (missing) return t.skip(missing);
    const server = new NbdServer(engine.exports());
    const { port } = await server.listen('127.0.0.1', 0);
    try {
      const url = `nbd://127.0.0.1:${port}/d-lazy`;
      const bad = await run('qemu-io', ['-f', 'raw', url, '-c', `read ${7 * CHUNK} 4096`]);
      assert.match(bad.stdout + bad.stderr, /Input\/output error/);
      const good = await run('qemu-io', ['-f', 'raw', url, '-c', `read -P 0 ${4 * CHUNK} ${3 * CHUNK}`]);
      assert.doesNotMatch(good.stdout + good.stderr, /error|fail/i);
    } finally {
      await server.close();
    }
  });
});
