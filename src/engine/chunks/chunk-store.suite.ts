/**
 * The conformance suite every ChunkStore must pass. An implementation's test
 * file calls `chunkStoreSuite(name, factory)`; the factory gives a fresh,
 * empty store and a cleanup.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sha256Hex, type ChunkStore } from './chunk-store.js';
import { encodeChunk } from './codec.js';

export interface ChunkStoreFixture {
  readonly store: ChunkStore;
  cleanup(): Promise<void>;
}

function chunk(label: string, size = 4096): { digest: string; data: Buffer } {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 32) Buffer.from(sha256Hex(`${label}:${i}`), 'hex').copy(data, i);
  return { digest: sha256Hex(data), data };
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out.sort();
}

export function chunkStoreSuite(name: string, factory: () => Promise<ChunkStoreFixture>): void {
  describe(`ChunkStore conformance: ${name}`, () => {
    let fixture: ChunkStoreFixture;
    let store: ChunkStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => fixture.cleanup());

    it('is empty when new', async () => {
      const { digest } = chunk('a');
      assert.deepEqual(await collect(store.list()), []);
      assert.equal(await store.has(digest), false);
      assert.equal(await store.get(digest), undefined);
      assert.equal(await store.delete(digest), false);
    });

    it('round-trips exact bytes, including a partial and an empty chunk', async () => {
      for (const [label, size] of [['x', 65536], ['y', 12345], ['z', 0]] as const) {
        const { digest, data } = chunk(label, size);
        assert.equal(await store.put(digest, data), true);
        const back = await store.get(digest);
        assert.ok(back);
        assert.equal(sha256Hex(back), digest);
        assert.equal(back.length, size);
      }
    });

    it('does not alias the caller buffer', async () => {
      const { digest, data } = chunk('alias');
      await store.put(digest, data);
      data.fill(7);
      const back = await store.get(digest);
      assert.equal(sha256Hex(back!), digest);
      back!.fill(9);
      assert.equal(sha256Hex((await store.get(digest))!), digest);
    });

    it('put is idempotent: the second put reports false and keeps the content', async () => {
      const { digest, data } = chunk('b');
      assert.equal(await store.put(digest, data), true);
      assert.equal(await store.put(digest, data), false);
      assert.equal(sha256Hex((await store.get(digest))!), digest);
      assert.deepEqual(await collect(store.list()), [digest]);
    });

    it('has, delete and list agree', async () => {
      const chunks = ['c1', 'c2', 'c3', 'c4'].map((l) => chunk(l));
      for (const c of chunks) await store.put(c.digest, c.data);
      assert.deepEqual(await collect(store.list()), chunks.map((c) => c.digest).sort());
      assert.equal(await store.delete(chunks[1]!.digest), true);
      assert.equal(await store.delete(chunks[1]!.digest), false);
      assert.equal(await store.has(chunks[1]!.digest), false);
      assert.equal(await store.get(chunks[1]!.digest), undefined);
      assert.equal(await store.has(chunks[0]!.digest), true);
      const left = [chunks[0]!, chunks[2]!, chunks[3]!].map((c) => c.digest).sort();
      assert.deepEqual(await collect(store.list()), left);
      assert.equal(await store.put(chunks[1]!.digest, chunks[1]!.data), true, 'a deleted chunk can be stored again');
    });

    it('concurrent puts of one digest store it once', async () => {
      const { digest, data } = chunk('d', 256 * 1024);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.put(digest, data)));
      assert.equal(results.filter((r) => r).length, 1);
      assert.equal(sha256Hex((await store.get(digest))!), digest);
      assert.deepEqual(await collect(store.list()), [digest]);
    });

    it('concurrent puts of different digests all land', async () => {
      const chunks = Array.from({ length: 32 }, (_, i) => chunk(`e${i}`, 8192));
      const results = await Promise.all(chunks.map((c) => store.put(c.digest, c.data)));
      assert.ok(results.every((r) => r));
      assert.deepEqual(await collect(store.list()), chunks.map((c) => c.digest).sort());
    });

    it('compresses what compresses, keeps the rest raw, and reads both back exactly', async () => {
      const text = Buffer.from('edgesnap chunk store '.repeat(20000).slice(0, 256 * 1024));
      const random = chunk('random', 256 * 1024).data;
      for (const [data, compressible] of [[text, true], [random, false]] as const) {
        const digest = sha256Hex(data);
        const result = await store.putSized!(digest, data);
        assert.equal(result.stored, true);
        const size = await store.storedSize!(digest);
        assert.equal(size, result.storedBytes);
        if (compressible) assert.ok(size! < data.length / 10, `compressible: ${size} bytes stored`);
        else assert.ok(size! >= data.length && size! <= data.length + 64, `incompressible: ${size} bytes stored`);
        assert.ok((await store.get(digest))!.equals(data));
        assert.deepEqual(await store.putSized!(digest, data), { stored: false, storedBytes: 0 });
      }
      assert.equal(await store.storedSize!(sha256Hex('absent')), undefined);
    });

    it('putEncoded stores a chunk encoded elsewhere (any level) as it is', async () => {
      const data = Buffer.from('encoded on a worker '.repeat(5000));
      const digest = sha256Hex(data);
      const encoded = encodeChunk(data, 9);
      assert.deepEqual(await store.putEncoded!(digest, encoded), { stored: true, storedBytes: encoded.file.length });
      assert.equal(await store.storedSize!(digest), encoded.file.length);
      assert.ok((await store.get(digest))!.equals(data));
      assert.deepEqual(await store.putEncoded!(digest, encoded), { stored: false, storedBytes: 0 });
      assert.equal(await store.put(digest, data), false, 'put sees it as present');
    });

    it('getRawInto (where offered) reads a raw chunk into the caller\'s buffer, and declines anything else', async (t) => {
      if (!store.getRawInto) return t.skip('not offered by this store');
      const random = chunk('raw-into', 64 * 1024);
      const text = Buffer.from('compresses well '.repeat(5000).slice(0, 64 * 1024));
      await store.put(random.digest, random.data);
      await store.put(sha256Hex(text), text);
      const more = [chunk('raw-into-2', 64 * 1024), chunk('raw-into-3', 1000)];
      for (const c of more) await store.put(c.digest, c.data);
      const targets = [random, ...more].map((c) => Buffer.alloc(c.data.length));
      assert.deepEqual(await store.getRawInto([random, ...more].map((c) => c.digest), targets), [true, true, true]);
      [random, ...more].forEach((c, i) => assert.ok(targets[i]!.equals(c.data), `chunk ${i}`));
      const target = Buffer.alloc(64 * 1024);
      assert.deepEqual(await store.getRawInto([sha256Hex(text)], [Buffer.alloc(text.length)]), [false], 'compressed: use get');
      assert.deepEqual(await store.getRawInto([random.digest], [Buffer.alloc(1000)]), [false], 'another length');
      assert.deepEqual(await store.getRawInto([sha256Hex('absent'), random.digest], [target, Buffer.alloc(65536)]),
        [false, true], 'per chunk');
    });

    it('a deferSync put is readable, present and listed at once; sync() keeps it', async () => {
      const chunks = ['g1', 'g2', 'g3'].map((l) => chunk(l));
      for (const c of chunks) assert.equal(await store.put(c.digest, c.data, { deferSync: true }), true);
      assert.equal(await store.put(chunks[0]!.digest, chunks[0]!.data, { deferSync: true }), false);
      assert.deepEqual(await collect(store.list()), chunks.map((c) => c.digest).sort());
      await store.sync?.();
      for (const c of chunks) {
        assert.equal(await store.has(c.digest), true);
        assert.equal(sha256Hex((await store.get(c.digest))!), c.digest);
      }
    });

    it('rejects malformed digests', async () => {
      const { data } = chunk('f');
      for (const bad of ['', 'ABC', '../x', 'g'.repeat(64), 'A'.repeat(64), '0'.repeat(63)]) {
        await assert.rejects(store.put(bad, data), TypeError);
        await assert.rejects(store.get(bad), TypeError);
        await assert.rejects(store.has(bad), TypeError);
        await assert.rejects(store.delete(bad), TypeError);
      }
    });
  });
}
