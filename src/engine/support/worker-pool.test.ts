import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sha256Hex } from '../chunks/chunk-store.js';
import { decodeChunk, readHeader } from '../chunks/codec.js';
import { HashPool } from './worker-pool.js';

describe('HashPool', () => {
  it('hashes on worker threads and on the main thread alike, leaving the caller\'s bytes intact', async () => {
    const pool = new HashPool({ threads: 2, minBytes: 1024 });
    try {
      const shared = randomBytes(4 * 1024 * 1024);
      const chunks = [randomBytes(10), ...Array.from({ length: 8 }, (_, i) => shared.subarray(i * 512 * 1024, (i + 1) * 512 * 1024))];
      const results = await Promise.all(chunks.map((c) => pool.hash(c)));
      results.forEach((r, i) => {
        assert.equal(r.digest, sha256Hex(chunks[i]!));
        assert.ok(r.data.equals(chunks[i]!));
      });
      assert.equal(shared.length, 4 * 1024 * 1024, 'not detached');
    } finally {
      await pool.close();
    }
    assert.equal((await pool.hash(Buffer.from('after close'))).digest, sha256Hex('after close'));
  });

  it('with encodeLevel, the threads also make the chunk file (compressed where it saves), unless asked not to', async () => {
    const pool = new HashPool({ threads: 2, minBytes: 1024, encodeLevel: 1 });
    try {
      const text = Buffer.from('a block of a guest file system '.repeat(20000).slice(0, 512 * 1024));
      const random = randomBytes(512 * 1024);
      const [t, r, plain] = await Promise.all([pool.hash(text), pool.hash(random), pool.hash(text, false)]);
      assert.equal(t.digest, sha256Hex(text));
      assert.equal(readHeader(t.encoded!.file)?.codec, 'zstd');
      assert.ok(t.encoded!.file.length < text.length / 10);
      assert.ok(decodeChunk(t.encoded!.file).equals(text));
      assert.equal(r.encoded!.codec, 'raw');
      assert.ok(decodeChunk(r.encoded!.file).equals(random));
      assert.equal(plain.encoded, undefined, 'a verifier gets the digest only');
      assert.equal(plain.digest, t.digest);
    } finally {
      await pool.close();
    }
  });
});

describe('HashPool.lend', () => {
  it('lends a shared slot to read a chunk into, hashes and encodes it there, and reuses it once released', async () => {
    const pool = new HashPool({ threads: 1, minBytes: 1024, encodeLevel: 1, slotBytes: 64 * 1024 });
    try {
      const text = Buffer.from('a block of a guest file system '.repeat(3000).slice(0, 64 * 1024));
      const lent = pool.lend(text.length)!;
      assert.equal(lent.bytes.length, text.length);
      text.copy(lent.bytes);
      const result = await lent.hash();
      assert.equal(result.digest, sha256Hex(text));
      assert.equal(result.lent, lent);
      assert.ok(result.data.equals(text), 'the raw bytes stay in the slot after encoding');
      assert.equal(result.encoded!.codec, 'zstd');
      assert.ok(decodeChunk(result.encoded!.file).equals(text));
      await assert.rejects(lent.hash(), /already hashing/, 'a slot is hashed once');
      assert.equal(lent.released, false);
      lent.release();
      lent.release();
      assert.equal(lent.released, true);
      // Every slot can be lent again now; a lent slot is not handed to anyone else meanwhile.
      const all = [];
      for (let slot = pool.lend(1024); slot; slot = pool.lend(1024)) all.push(slot);
      assert.ok(all.length >= 2);
      assert.equal(new Set(all.map((s) => s.bytes.byteOffset)).size, all.length);
      assert.ok(all.some((s) => s.bytes.byteOffset === lent.bytes.byteOffset), 'the released slot is lent again');
      const plain = await pool.hash(text);
      assert.equal(plain.digest, sha256Hex(text), 'with every slot lent, hash() still works (transferred)');
      for (const slot of all) slot.release();
    } finally {
      await pool.close();
    }
  });

  it('lends nothing for chunks hashed on the main thread, chunks larger than a slot, or a pool without slots', async () => {
    const pool = new HashPool({ threads: 1, minBytes: 1024, slotBytes: 4096 });
    const noSlots = new HashPool({ threads: 1, minBytes: 1024 });
    try {
      assert.equal(pool.lend(512), undefined);
      assert.equal(pool.lend(4097), undefined);
      assert.equal(noSlots.lend(2048), undefined);
      const lent = pool.lend(4096)!;
      const bytes = randomBytes(4096);
      bytes.copy(lent.bytes);
      const result = await lent.hash(false);
      assert.equal(result.digest, sha256Hex(bytes));
      assert.equal(result.encoded, undefined);
      lent.release();
    } finally {
      await Promise.all([pool.close(), noSlots.close()]);
    }
    assert.equal(pool.lend(4096), undefined, 'closed');
  });

  it('a slot lent before the pool closed is still hashed (on the calling thread)', async () => {
    const pool = new HashPool({ threads: 1, minBytes: 1024, encodeLevel: 1, slotBytes: 4096 });
    const lent = pool.lend(4096)!;
    const bytes = randomBytes(4096);
    bytes.copy(lent.bytes);
    await pool.close();
    const result = await lent.hash();
    assert.equal(result.digest, sha256Hex(bytes));
    assert.ok(result.data.equals(bytes));
    lent.release();
  });
});
