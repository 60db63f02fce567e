import assert from 'node:assert/strict';
import { appendFile, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EngineError } from '../../engine.js';
import { sha256Hex } from '../chunk-store.js';
import { chunkStoreSuite } from '../chunk-store.suite.js';
import { RECORD_BYTES } from './index-log.js';
import { PackChunkStore } from './pack-chunk-store.js';

chunkStoreSuite('PackChunkStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-packs-'));
  const store = await PackChunkStore.open(join(dir, 'packs'));
  return { store, cleanup: async () => (await store.close(), rm(dir, { recursive: true, force: true })) };
});

/** A 64 KiB chunk of incompressible bytes, distinct per label. */
function chunk(label: string, size = 65536): { digest: string; data: Buffer } {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 32) Buffer.from(sha256Hex(`${label}:${i}`), 'hex').copy(data, i);
  return { digest: sha256Hex(data), data };
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-packs-'));
  try {
    await run(join(dir, 'packs'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function packNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.pack')).sort();
}

async function readAll(store: PackChunkStore, digests: readonly string[]): Promise<void> {
  for (const digest of digests) assert.equal(sha256Hex((await store.get(digest))!), digest);
}

describe('PackChunkStore on disk', () => {
  it('appends chunks to packs of about the target size and finds them again after reopening', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir, { packTargetBytes: 256 * 1024 });
      const chunks = Array.from({ length: 10 }, (_, i) => chunk(`p${i}`));
      await Promise.all(chunks.map((c) => store.put(c.digest, c.data, { deferSync: true })));
      await store.sync();
      await store.close();
      assert.equal((await packNames(dir)).length, 4, '10 records of 64 KiB in packs of 256 KiB');
      assert.equal((await stat(join(dir, 'index.log'))).size, 11 * RECORD_BYTES, 'ten adds and one commit');
      const again = await PackChunkStore.open(dir, { packTargetBytes: 256 * 1024 });
      await readAll(again, chunks.map((c) => c.digest));
      const next = chunk('after');
      assert.equal(await again.put(next.digest, next.data), true);
      assert.equal((await packNames(dir)).length, 5, 'a reopened store starts a new pack');
      await again.close();
    });
  });

  it('a put that returned survives a killed process; uncommitted adds are re-hashed at open', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir);
      const kept = chunk('kept');
      const late = chunk('late');
      await store.put(kept.digest, kept.data, { deferSync: true });
      await store.sync();
      await store.put(late.digest, late.data, { deferSync: true });
      // No close, no sync: a second process opening the directory is what a restart after a kill sees.
      const after = await PackChunkStore.open(dir);
      await readAll(after, [kept.digest, late.digest]);
      await after.close();
      await store.close();
      const log = await readFile(join(dir, 'index.log'));
      assert.equal(log.length, 4 * RECORD_BYTES, 'add, commit, add, then the commit of the reopened store');
    });
  });

  it('drops an uncommitted add whose pack bytes never reached the disk (a power loss)', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir);
      const kept = chunk('kept');
      const lost = chunk('lost');
      await store.put(kept.digest, kept.data);
      await store.put(lost.digest, lost.data, { deferSync: true });
      const where = store.locate(lost.digest)!;
      await store.close(); // closing waits for writes, but does not commit the deferred put
      const fh = await open(where.path, 'r+');
      await fh.write(Buffer.alloc(where.length - 48), 0, where.length - 48, where.offset + 48); // the page never written
      await fh.close();
      const after = await PackChunkStore.open(dir);
      assert.equal(await after.has(lost.digest), false);
      await readAll(after, [kept.digest]);
      assert.equal(await after.put(lost.digest, lost.data), true, 'stored anew');
      await after.close();
      const third = await PackChunkStore.open(dir);
      await readAll(third, [kept.digest, lost.digest]);
      await third.close();
    });
  });

  it('has() and a plain put of a deferred chunk make it durable first', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir);
      const [a, b] = [chunk('a'), chunk('b')];
      await store.put(a.digest, a.data, { deferSync: true });
      await store.put(b.digest, b.data, { deferSync: true });
      assert.equal(await store.has(a.digest), true);
      const after = await PackChunkStore.open(dir);
      assert.equal(await after.has(a.digest), true);
      assert.equal(await after.has(b.digest), true, 'the sync covered everything written before it');
      await after.close();
      await store.close();
    });
  });

  it('skips a torn index tail and a damaged record, keeping the others', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir);
      const chunks = ['t1', 't2', 't3'].map((l) => chunk(l));
      for (const c of chunks) await store.put(c.digest, c.data);
      await store.close();
      const log = join(dir, 'index.log');
      const fh = await open(log, 'r+');
      await fh.write(Buffer.from('XX'), 0, 2, 2 * RECORD_BYTES + 30); // the second add's digest (add, commit, add…)
      await fh.close();
      await appendFile(log, Buffer.alloc(17, 0x5a)); // a torn append
      const after = await PackChunkStore.open(dir);
      assert.equal((await stat(log)).size, 6 * RECORD_BYTES, 'the torn tail was cut');
      assert.equal(await after.has(chunks[1]!.digest), false);
      await readAll(after, [chunks[0]!.digest, chunks[2]!.digest]);
      const extra = chunk('t4');
      await after.put(extra.digest, extra.data);
      await after.close();
      const third = await PackChunkStore.open(dir);
      await readAll(third, [chunks[0]!.digest, chunks[2]!.digest, extra.digest]);
      await third.close();
    });
  });

  it('reads a damaged record as ChunkCorrupt', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir);
      const [a, b] = [chunk('d1'), chunk('d2')];
      await store.put(a.digest, a.data);
      await store.put(b.digest, b.data);
      // a: the chunk file's own header; b: the record's digest.
      for (const [digest, at] of [[a.digest, 43], [b.digest, 12]] as const) {
        const where = store.locate(digest)!;
        const fh = await open(where.path, 'r+');
        await fh.write(Buffer.from([0xff, 0xee]), 0, 2, where.offset + at);
        await fh.close();
      }
      for (const digest of [a.digest, b.digest]) {
        await assert.rejects(store.get(digest), (err) => err instanceof EngineError && err.kind === 'ChunkCorrupt');
      }
      await assert.rejects(store.getRawInto([a.digest, b.digest], [Buffer.alloc(a.data.length), Buffer.alloc(b.data.length)]),
        (err) => err instanceof EngineError && err.kind === 'ChunkCorrupt', 'b\'s record, read with a\'s');
      assert.deepEqual(await store.getRawInto([a.digest], [Buffer.alloc(a.data.length)]), [false], 'a damaged chunk header: use get');
      await store.close();
    });
  });

  it('refuses pack files without an index', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir);
      const a = chunk('x');
      await store.put(a.digest, a.data);
      await store.close();
      await rm(join(dir, 'index.log'));
      for (const attempt of [1, 2]) {
        await assert.rejects(PackChunkStore.open(dir), (err) => err instanceof EngineError && err.kind === 'ChunkCorrupt',
          `attempt ${attempt}`);
      }
      assert.equal((await readdir(dir)).includes('index.log'), false, 'no empty index was made');
    });
  });

  it('compaction rewrites mostly dead packs, removes them and keeps every live chunk, also after reopening', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir, { packTargetBytes: 256 * 1024 });
      const chunks = Array.from({ length: 16 }, (_, i) => chunk(`c${i}`));
      for (const c of chunks) await store.put(c.digest, c.data, { deferSync: true });
      await store.sync();
      const keep = chunks.filter((_, i) => i % 4 === 0).map((c) => c.digest);
      for (const c of chunks) if (!keep.includes(c.digest)) assert.equal(await store.delete(c.digest), true);
      const before = store.bytesOnDisk;
      const result = await store.compact();
      assert.ok(result.packsRemoved >= 3, `packs removed: ${result.packsRemoved}`);
      assert.ok(result.bytesReclaimed > 10 * 65536, `reclaimed ${result.bytesReclaimed}`);
      assert.ok(store.bytesOnDisk < before);
      await readAll(store, keep);
      assert.deepEqual((await store.compact()).packsRemoved, 0, 'nothing left to compact');
      await store.close();
      const after = await PackChunkStore.open(dir, { packTargetBytes: 256 * 1024 });
      await readAll(after, keep);
      const listed: string[] = [];
      for await (const d of after.list()) listed.push(d);
      assert.deepEqual(listed.sort(), [...keep].sort());
      await after.close();
    });
  });

  it('compaction running with puts, reads and deletes loses nothing', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir, { packTargetBytes: 128 * 1024 });
      const old = Array.from({ length: 24 }, (_, i) => chunk(`o${i}`));
      for (const c of old) await store.put(c.digest, c.data);
      for (const c of old.slice(0, 18)) await store.delete(c.digest);
      const fresh = Array.from({ length: 12 }, (_, i) => chunk(`n${i}`));
      await Promise.all([
        store.compact(),
        ...fresh.map((c) => store.put(c.digest, c.data, { deferSync: true })),
        ...old.slice(18).map((c) => store.get(c.digest)),
        store.delete(old[18]!.digest),
      ]);
      await store.sync();
      const alive = [...old.slice(19), ...fresh].map((c) => c.digest);
      await readAll(store, alive);
      await store.close();
      const after = await PackChunkStore.open(dir);
      await readAll(after, alive);
      assert.equal(await after.has(old[18]!.digest), false);
      await after.close();
    });
  });

  it('rewrites an index log that is mostly superseded records at open', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir);
      const a = chunk('r', 1024);
      for (let i = 0; i < 2100; i++) {
        await store.put(a.digest, a.data, { deferSync: true });
        await store.delete(a.digest);
      }
      await store.put(a.digest, a.data);
      await store.close();
      assert.ok((await stat(join(dir, 'index.log'))).size > 4000 * RECORD_BYTES);
      const after = await PackChunkStore.open(dir);
      assert.equal((await stat(join(dir, 'index.log'))).size, 2 * RECORD_BYTES, 'one add and its commit');
      await readAll(after, [a.digest]);
      await after.close();
    });
  });

  it('stores the codec file after a 40-byte record header', async () => {
    await withDir(async (dir) => {
      const store = await PackChunkStore.open(dir, { compressionLevel: 0 });
      const data = Buffer.from('a raw chunk');
      const digest = sha256Hex(data);
      await store.put(digest, data);
      await store.close();
      const [pack] = await packNames(dir);
      const bytes = await readFile(join(dir, pack!));
      assert.equal(bytes.subarray(0, 4).toString(), 'EPK1');
      assert.equal(bytes.toString('hex', 8, 40), digest);
      assert.ok(bytes.subarray(40 + 20).equals(data));
      await writeFile(join(dir, 'stray.txt'), 'not a pack');
      const after = await PackChunkStore.open(dir);
      await readAll(after, [digest]);
      await after.close();
    });
  });
});
