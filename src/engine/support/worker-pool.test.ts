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
