import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256Hex } from './chunk-store.js';
import { chunkStoreSuite } from './chunk-store.suite.js';
import { FsChunkStore } from './fs-chunk-store.js';
import { LayeredChunkStore } from './layered-chunk-store.js';
import { PackChunkStore } from './pack/pack-chunk-store.js';

async function layered(dir: string): Promise<{ store: LayeredChunkStore; packs: PackChunkStore; files: FsChunkStore }> {
  const packs = await PackChunkStore.open(join(dir, 'chunks', 'packs'));
  const files = await FsChunkStore.open(join(dir, 'chunks'));
  return { store: new LayeredChunkStore(packs, files), packs, files };
}

chunkStoreSuite('LayeredChunkStore (packs over chunk files)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-layered-'));
  const { store } = await layered(dir);
  return { store, cleanup: async () => (await store.close(), rm(dir, { recursive: true, force: true })) };
});

describe('LayeredChunkStore over an older store', () => {
  it('reads, lists, dedups against and deletes the older chunks; writes only to the new store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgesnap-layered-'));
    try {
      const { store, packs, files } = await layered(dir);
      const old = Buffer.from('written by an earlier version');
      const fresh = Buffer.from('written now');
      const [o, f] = [sha256Hex(old), sha256Hex(fresh)];
      await files.put(o, old);
      assert.ok((await store.get(o))!.equals(old));
      assert.equal(await store.put(o, old), false, 'present in the older store: not stored again');
      assert.equal(await packs.has(o), false);
      assert.equal(await store.put(f, fresh), true);
      assert.equal(await files.has(f), false, 'new chunks go to the new store only');
      const listed: string[] = [];
      for await (const d of store.list()) listed.push(d);
      assert.deepEqual(listed.sort(), [o, f].sort());
      assert.equal(await store.storedSize(o), await files.storedSize(o));
      assert.equal(await store.delete(o), true);
      assert.equal(await files.has(o), false);
      assert.equal(await store.delete(o), false);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
