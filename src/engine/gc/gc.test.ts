/** Garbage collection through the engine: what it frees, and what it must keep while jobs run. */
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../kernel/clock.js';
import { sha256Hex, type ChunkStore } from '../chunks/chunk-store.js';
import { FsChunkStore } from '../chunks/fs-chunk-store.js';
import { LocalBlockEngine } from '../local-engine.js';
import { countChunks, Prng, readVolume, tempDir, writeVolume, type TempDir } from '../testing/fixtures.js';
import { REUSE_SAFETY_MARGIN_MS } from './chunk-guard.js';

const CHUNK = 64 * 1024;
const SIZE = 8 * CHUNK;

/** A compressible chunk of its own content. */
function block(label: string): Buffer {
  return Buffer.from(`${label} `.repeat(CHUNK).slice(0, CHUNK));
}

/** One step a job can be held at: `reached` resolves when it gets there, `open()` lets it go on. */
class Gate {
  reached!: Promise<void>;
  private arrive!: () => void;
  private release!: () => void;
  private readonly opened: Promise<void>;

  constructor() {
    this.reached = new Promise((resolve) => (this.arrive = resolve));
    this.opened = new Promise((resolve) => (this.release = resolve));
  }

  async pass(): Promise<void> {
    this.arrive();
    await this.opened;
  }

  open(): void {
    this.release();
  }
}

/** The filesystem store, with gates before a put and before a get. */
class GatedStore implements ChunkStore {
  beforePut = new Map<string, Gate>();
  beforeGet: Gate | undefined;
  readonly puts: string[] = [];

  constructor(readonly inner: FsChunkStore) {}

  async put(digest: string, data: Buffer): Promise<boolean> {
    this.puts.push(digest);
    await this.beforePut.get(digest)?.pass();
    return this.inner.put(digest, data);
  }

  async get(digest: string): Promise<Buffer | undefined> {
    const gate = this.beforeGet;
    this.beforeGet = undefined;
    await gate?.pass();
    return this.inner.get(digest);
  }

  has = (digest: string): Promise<boolean> => this.inner.has(digest);
  delete = (digest: string): Promise<boolean> => this.inner.delete(digest);
  list = (): AsyncIterable<string> => this.inner.list();
  storedSize = (digest: string): Promise<number | undefined> => this.inner.storedSize(digest);
}

describe('garbage collection', () => {
  let dir: TempDir;
  let clock: ManualClock;
  let store: GatedStore;
  let engine: LocalBlockEngine;

  beforeEach(async () => {
    dir = await tempDir('edgesnap-gc-');
    clock = new ManualClock('2026-01-01T00:00:00Z');
    store = new GatedStore(await FsChunkStore.open(join(dir.path, 'chunks')));
    // One chunk at a time: the snapshot job handles chunk 0 before chunk 1 (the race test relies on it).
    engine = await LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize: CHUNK, chunkStore: store, concurrency: 1 });
    await engine.createVolume('d-1', SIZE);
  });

  afterEach(async () => {
    await engine.close();
    await dir.cleanup();
  });

  async function snapshot(snapshotId: string): Promise<void> {
    await engine.beginSnapshot('d-1', snapshotId);
    await engine.runSnapshot(snapshotId);
  }

  const later = (): void => clock.advance(REUSE_SAFETY_MARGIN_MS + 1);

  it('frees the chunks only deleted snapshots referenced, once the safety margin has passed', async () => {
    for (const i of [0, 1, 2]) await writeVolume(engine.exports(), 'd-1', i * CHUNK, block(`a${i}`));
    await snapshot('s-1');
    await writeVolume(engine.exports(), 'd-1', 0, block('b0'));
    await snapshot('s-2'); // shares chunks 1 and 2 with s-1
    const image = await readVolume(engine.exports(), 'd-1');
    assert.equal(await countChunks(store), 4);
    assert.deepEqual(await engine.collectGarbage(), {
      chunksDeleted: 0, bytesFreed: 0, chunksReferenced: 4, chunksSpared: 0, packsRemoved: 0, bytesReclaimed: 0,
    });

    await engine.deleteSnapshot('s-1');
    const young = await engine.collectGarbage();
    assert.deepEqual([young.chunksDeleted, young.chunksSpared], [0, 1], 'chunk a0 was stored too recently to be sure');
    later();
    const freed = await engine.collectGarbage();
    const a0 = sha256Hex(block('a0'));
    assert.equal(freed.chunksDeleted, 1);
    assert.ok(freed.bytesFreed > 0 && freed.bytesFreed < CHUNK, `compressed bytes freed: ${freed.bytesFreed}`);
    assert.equal(await store.has(a0), false);
    assert.equal(await countChunks(store), 3);

    await engine.restoreVolume('s-2', 'd-2', SIZE);
    assert.ok((await readVolume(engine.exports(), 'd-2')).equals(image), 'the survivor restores bit for bit');
    await engine.deleteSnapshot('s-2');
    later();
    assert.equal((await engine.collectGarbage()).chunksDeleted, 3);
    assert.equal(await countChunks(store), 0);
  });

  it('keeps a chunk a snapshot found present and is about to reference (paused between the two)', async () => {
    await writeVolume(engine.exports(), 'd-1', 0, block('x'));
    await writeVolume(engine.exports(), 'd-1', CHUNK, block('y'));
    await snapshot('s-1');
    await engine.deleteSnapshot('s-1');
    later(); // x and y are garbage now, and old enough to go
    await writeVolume(engine.exports(), 'd-1', CHUNK, block('z')); // y is not in the next snapshot
    const x = sha256Hex(block('x'));
    const gate = new Gate();
    store.beforePut.set(sha256Hex(block('z')), gate);
    await engine.beginSnapshot('d-1', 's-2');
    const job = engine.runSnapshot('s-2');
    await gate.reached; // the job found x present (chunk 0, no put) and is at chunk 1: no manifest yet
    try {
      // x is kept by its fresh touch, or by the session record if that reached the log already.
      const gc = await engine.collectGarbage();
      assert.equal(gc.chunksDeleted, 1, 'y went');
      assert.equal(await store.has(x), true, 'x stayed');
      assert.equal(await store.has(sha256Hex(block('y'))), false);
    } finally {
      gate.open();
    }
    await job;
    await engine.restoreVolume('s-2', 'd-2', SIZE);
    assert.ok((await readVolume(engine.exports(), 'd-2')).equals(await readVolume(engine.exports(), 'd-1')));
    later();
    assert.equal((await engine.collectGarbage()).chunksDeleted, 0, 'x is referenced by s-2 now');
  });

  it('keeps what an open copy-before-write session preserved', async () => {
    await writeVolume(engine.exports(), 'd-1', 0, block('old'));
    await engine.beginSnapshot('d-1', 's-1');
    await writeVolume(engine.exports(), 'd-1', 0, block('new')); // preserves "old" first (parked in the stage file)
    later();
    assert.equal((await engine.collectGarbage()).chunksDeleted, 0);
    await engine.runSnapshot('s-1');
    assert.equal(await store.has(sha256Hex(block('old'))), true, 'the job stored the parked chunk');
    await engine.restoreVolume('s-1', 'd-2', SIZE);
    assert.ok((await readVolume(engine.exports(), 'd-2')).subarray(0, CHUNK).equals(block('old')));
  });

  it("keeps the chunks an incremental session inherits from a parent deleted meanwhile", async () => {
    for (const i of [0, 1]) await writeVolume(engine.exports(), 'd-1', i * CHUNK, block(`p${i}`));
    await snapshot('s-1');
    await writeVolume(engine.exports(), 'd-1', CHUNK, block('q1'));
    await engine.beginSnapshot('d-1', 's-2'); // chunk 0 unchanged: s-2 takes s-1's digest for it
    await engine.deleteSnapshot('s-1');
    later();
    const during = await engine.collectGarbage();
    assert.equal(await store.has(sha256Hex(block('p0'))), true, 'the inherited chunk stays');
    assert.equal(during.chunksDeleted, 0, 'p1 is pinned with the rest of the parent');
    store.puts.length = 0;
    await engine.runSnapshot('s-2');
    assert.deepEqual(store.puts, [sha256Hex(block('q1'))], 'chunk 0 was inherited, not read (else this proves nothing)');
    await engine.restoreVolume('s-2', 'd-2', SIZE);
    assert.ok((await readVolume(engine.exports(), 'd-2')).equals(await readVolume(engine.exports(), 'd-1')));
    later();
    assert.equal((await engine.collectGarbage()).chunksDeleted, 1, 'p1 goes once the session is over');
    assert.equal(await store.has(sha256Hex(block('p1'))), false);
  });

  it('keeps the chunks of a restore in flight whose snapshot is deleted meanwhile', async () => {
    for (const i of [0, 1]) await writeVolume(engine.exports(), 'd-1', i * CHUNK, block(`r${i}`));
    await snapshot('s-1');
    const gate = new Gate();
    store.beforeGet = gate;
    const restoring = engine.restoreVolume('s-1', 'd-2', SIZE);
    await gate.reached;
    await engine.deleteSnapshot('s-1');
    later();
    assert.deepEqual(await engine.collectGarbage(), {
      chunksDeleted: 0, bytesFreed: 0, chunksReferenced: 0, chunksSpared: 2, packsRemoved: 0, bytesReclaimed: 0,
    });
    gate.open();
    await restoring;
    assert.ok((await readVolume(engine.exports(), 'd-2')).equals(await readVolume(engine.exports(), 'd-1')));
    assert.equal((await engine.collectGarbage()).chunksDeleted, 2, 'unpinned once the restore is done');
  });

  it('keeps the chunks of a copy in flight whose source is deleted meanwhile', async () => {
    for (const i of [0, 1]) await writeVolume(engine.exports(), 'd-1', i * CHUNK, block(`c${i}`));
    await snapshot('s-1');
    const other = await tempDir('edgesnap-gc-dst-');
    const target = await LocalBlockEngine.open({ dataDir: other.path, clock, chunkSize: CHUNK, concurrency: 2 });
    try {
      const gate = new Gate();
      store.beforeGet = gate;
      const copying = target.importSnapshot(engine, 's-1', 's-1c');
      await gate.reached;
      await engine.deleteSnapshot('s-1');
      later();
      assert.equal((await engine.collectGarbage()).chunksDeleted, 0, 'the source keeps them for the copy');
      gate.open();
      assert.equal((await copying).chunksCopied, 2);
      assert.equal((await engine.collectGarbage()).chunksDeleted, 2);
      await target.restoreVolume('s-1c', 'd-9', SIZE);
      assert.ok((await readVolume(target.exports(), 'd-9')).equals(await readVolume(engine.exports(), 'd-1')));
    } finally {
      await target.close();
      await other.cleanup();
    }
  });
});

describe('the guard alone (no reference on disk at all)', () => {
  it('a put that found the chunk present keeps it from the next sweep; a pin keeps it until released', async () => {
    const dir = await tempDir('edgesnap-gc-guard-');
    try {
      const { ChunkGuard } = await import('./chunk-guard.js');
      const { GuardedChunkStore } = await import('./guarded-chunk-store.js');
      const { ChunkMaintenance } = await import('./collector.js');
      const clock = new ManualClock(0);
      const inner = await FsChunkStore.open(join(dir.path, 'chunks'));
      const guard = new ChunkGuard(clock);
      const guarded = new GuardedChunkStore(inner, guard);
      const dirs = { sessions: join(dir.path, 's'), manifests: join(dir.path, 'm'), volumes: join(dir.path, 'v') };
      const gc = new ChunkMaintenance({ store: inner, guard, clock, dirs, concurrency: 2 });
      const data = block('guarded');
      const digest = sha256Hex(data);
      await inner.put(digest, data); // stored long ago, referenced by nothing
      clock.advance(REUSE_SAFETY_MARGIN_MS + 1);
      assert.equal(await guarded.put(digest, data), false, 'a writer finds it present and skips the put');
      assert.equal((await gc.collectGarbage()).chunksSpared, 1);
      clock.advance(REUSE_SAFETY_MARGIN_MS - 1);
      assert.equal((await gc.collectGarbage()).chunksSpared, 1, 'still inside the margin');
      const release = guard.pin([digest, null]);
      clock.advance(REUSE_SAFETY_MARGIN_MS + 1);
      assert.equal((await gc.collectGarbage()).chunksSpared, 1, 'pinned');
      release();
      release();
      assert.equal((await gc.collectGarbage()).chunksDeleted, 1);
      assert.equal(await inner.has(digest), false);
    } finally {
      await dir.cleanup();
    }
  });
});

describe('garbage collection with the engine\'s pack store', () => {
  it('rewrites the packs the deleted chunks leave mostly empty and gives their space back', async () => {
    const dir = await tempDir('edgesnap-gc-');
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const engine = await LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize: CHUNK });
    try {
      const packBytes = async (): Promise<number> => {
        let total = 0;
        for (const name of await readdir(join(dir.path, 'chunks', 'packs'))) {
          if (name.endsWith('.pack')) total += (await stat(join(dir.path, 'chunks', 'packs', name))).size;
        }
        return total;
      };
      await engine.createVolume('d-1', SIZE);
      const random = new Prng('gc-packs').bytes(SIZE);
      await writeVolume(engine.exports(), 'd-1', 0, random);
      await engine.beginSnapshot('d-1', 's-1');
      await engine.runSnapshot('s-1');
      await writeVolume(engine.exports(), 'd-1', 0, random.subarray(0, CHUNK).reverse());
      await engine.beginSnapshot('d-1', 's-2'); // shares 7 chunks with s-1
      await engine.runSnapshot('s-2');
      const full = await packBytes();
      assert.equal(full, 9 * (CHUNK + 60), 'nine random chunks, raw behind their headers');
      await engine.deleteSnapshot('s-2');
      clock.advance(REUSE_SAFETY_MARGIN_MS + 1);
      const one = await engine.collectGarbage();
      assert.deepEqual([one.chunksDeleted, one.packsRemoved, one.bytesReclaimed], [1, 0, 0], 'one dead chunk of nine');
      await engine.deleteSnapshot('s-1');
      clock.advance(REUSE_SAFETY_MARGIN_MS + 1);
      const all = await engine.collectGarbage();
      assert.deepEqual([all.chunksDeleted, all.packsRemoved, all.bytesReclaimed], [8, 1, full]);
      assert.equal(await packBytes(), 0);
      assert.equal(await countChunks(engine.chunkStore), 0);
    } finally {
      await engine.close();
      await dir.cleanup();
    }
  });
});
