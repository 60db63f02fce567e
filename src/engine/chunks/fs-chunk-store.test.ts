import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256Hex } from './chunk-store.js';
import { chunkStoreSuite } from './chunk-store.suite.js';
import { encodeChunk } from './codec.js';
import { FsChunkStore } from './fs-chunk-store.js';

chunkStoreSuite('FsChunkStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-chunks-'));
  return { store: await FsChunkStore.open(join(dir, 'chunks')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

/** Every file under `dir`, relative, sorted. */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.path ?? '', e.name).slice(dir.length + 1)).sort();
}

describe('FsChunkStore on disk', () => {
  it('lays chunks out as <2 hex>/<digest> with no temp files left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgesnap-chunks-'));
    try {
      const store = await FsChunkStore.open(dir);
      const data = Buffer.from('hello chunk');
      const digest = sha256Hex(data);
      await Promise.all([store.put(digest, data), store.put(digest, data), store.put(digest, data)]);
      assert.deepEqual(await allFiles(dir), [`${digest.slice(0, 2)}/${digest}`]);
      assert.deepEqual(await readFile(join(dir, digest.slice(0, 2), digest)), encodeChunk(data, 1).file);
      assert.deepEqual(await readdir(dir), [digest.slice(0, 2)], 'prefix directories appear on demand');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('defers directory syncs to sync(); a plain put or has of a deferred chunk syncs its directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgesnap-chunks-'));
    try {
      const store = await FsChunkStore.open(dir);
      const chunks = ['a', 'b', 'c'].map((label) => Buffer.from(`deferred ${label}`));
      const digests = chunks.map((data) => sha256Hex(data));
      const prefixes = new Set(digests.map((d) => d.slice(0, 2)));
      for (const [i, data] of chunks.entries()) await store.put(digests[i]!, data, { deferSync: true });
      assert.equal(store.unsyncedDirectories, prefixes.size);
      assert.equal(await store.put(digests[0]!, chunks[0]!), false, 'present');
      assert.equal(await store.has(digests[1]!), true);
      const left = new Set([digests[2]!.slice(0, 2)]);
      if (left.has(digests[0]!.slice(0, 2)) || left.has(digests[1]!.slice(0, 2))) left.clear();
      assert.equal(store.unsyncedDirectories, left.size, 'the plain put and has synced their directories');
      await store.sync();
      assert.equal(store.unsyncedDirectories, 0);
      await store.put(sha256Hex('plain'), Buffer.from('plain'));
      assert.equal(store.unsyncedDirectories, 0, 'a plain put syncs at once');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a failed put leaves neither the chunk nor a temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgesnap-chunks-'));
    try {
      const store = await FsChunkStore.open(dir);
      const digest = sha256Hex('whatever');
      // Not a Buffer: encoding it throws.
      const poisoned = { length: 10 } as unknown as Buffer;
      await assert.rejects(store.put(digest, poisoned));
      assert.deepEqual(await allFiles(dir), []);
      assert.equal(await store.has(digest), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never exposes a partial chunk: readers see nothing or everything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgesnap-chunks-'));
    try {
      const store = await FsChunkStore.open(dir);
      const data = Buffer.alloc(4 * 1024 * 1024, 0xab);
      const digest = sha256Hex(data);
      const writing = store.put(digest, data);
      let observations = 0;
      let done = false;
      void writing.finally(() => (done = true));
      while (!done) {
        const seen = await store.get(digest);
        if (seen) assert.equal(sha256Hex(seen), digest, 'a visible chunk is complete');
        for (const name of await allFiles(dir)) assert.ok(name.endsWith(digest) || name.includes('.tmp-'), name);
        observations++;
      }
      assert.equal(await writing, true);
      assert.ok(observations > 0);
      assert.deepEqual(await allFiles(dir), [`${digest.slice(0, 2)}/${digest}`]);
      const listed: string[] = [];
      for await (const d of store.list()) listed.push(d);
      assert.deepEqual(listed, [digest]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
