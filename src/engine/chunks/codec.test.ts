import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  ChunkDecodeError, decodeChunk, encodeChunk, encodeChunkBeside, HEADER_BYTES, MAX_COMPRESSION_LEVEL, readHeader, SAMPLE_FROM_BYTES,
  worthCompressing,
} from './codec.js';
import { sha256Hex } from './chunk-store.js';

const text = Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(30000).slice(0, 1024 * 1024));

describe('chunk codec', () => {
  it('compresses a compressible chunk and decodes it exactly', () => {
    const encoded = encodeChunk(text, 1);
    assert.equal(encoded.codec, 'zstd');
    assert.equal(encoded.rawLength, text.length);
    assert.ok(encoded.file.length < text.length / 20);
    assert.ok(decodeChunk(encoded.file).equals(text));
  });

  it('honours the level: a higher level is not larger', () => {
    const mixed = Buffer.concat([text.subarray(0, 512 * 1024), randomBytes(64 * 1024), text.subarray(0, 448 * 1024)]);
    const fast = encodeChunk(mixed, 1).file.length;
    const strong = encodeChunk(mixed, MAX_COMPRESSION_LEVEL).file.length;
    assert.ok(strong <= fast, `level 19 ${strong} bytes, level 1 ${fast} bytes`);
  });

  it('keeps incompressible, empty and level-0 chunks raw behind the header', () => {
    const random = randomBytes(256 * 1024);
    for (const [raw, level] of [[random, 1], [Buffer.alloc(0), 1], [text, 0]] as const) {
      const encoded = encodeChunk(raw, level);
      assert.equal(encoded.codec, 'raw');
      assert.equal(encoded.file.length, HEADER_BYTES + raw.length);
      assert.deepEqual(readHeader(encoded.file), { codec: 'raw', rawLength: raw.length });
      assert.ok(decodeChunk(encoded.file).equals(raw));
    }
  });

  it('samples large chunks: random or mostly random ones are not compressed whole, anything compressible is', () => {
    const size = 1024 * 1024;
    const random = randomBytes(size);
    assert.equal(worthCompressing(random, 1), false);
    assert.equal(encodeChunk(random, 1).codec, 'raw');
    const zeros = Buffer.alloc(size);
    assert.equal(worthCompressing(zeros, 1), true);
    // Half random, half text: every sample slice sees some of each, the chunk is compressed (and saves).
    const mixed = Buffer.concat([randomBytes(size / 2), Buffer.from('edgesnap '.repeat(size / 2 / 9 + 1)).subarray(0, size / 2)]);
    for (let i = 0; i < size; i += 64 * 1024) mixed.copy(mixed, i + 32 * 1024, size - 32 * 1024, size);
    assert.equal(worthCompressing(mixed, 1), true);
    const encoded = encodeChunk(mixed, 1);
    assert.equal(encoded.codec, 'zstd');
    assert.ok(encoded.file.length < size * 0.8);
    assert.ok(decodeChunk(encoded.file).equals(mixed));
    // Below the sampling size the whole chunk is always tried.
    assert.equal(worthCompressing(random.subarray(0, SAMPLE_FROM_BYTES - 1), 1), true);
  });

  it('the file is independent of the caller buffer', () => {
    const raw = Buffer.from(text);
    const encoded = encodeChunk(raw, 1);
    const again = encodeChunk(randomBytes(1024), 1);
    raw.fill(1);
    assert.ok(decodeChunk(encoded.file).equals(text), 'neither the caller buffer nor the next encode changes it');
    assert.equal(again.codec, 'raw');
  });

  it('reads a headerless file (written before compression) as raw bytes', () => {
    const old = randomBytes(4096);
    assert.equal(readHeader(old), undefined);
    assert.ok(decodeChunk(old).equals(old));
    const lookalike = Buffer.from(encodeChunk(text, 1).file);
    lookalike[17]! ^= 1; // the header's check fails: not a header
    assert.equal(readHeader(lookalike), undefined);
    assert.ok(decodeChunk(lookalike).equals(lookalike));
  });

  it('throws ChunkDecodeError for damaged payloads', () => {
    const file = encodeChunk(text, 1).file;
    const flipped = Buffer.from(file);
    flipped[HEADER_BYTES + 100]! ^= 0x55;
    const raw = encodeChunk(randomBytes(100), 1).file;
    for (const bad of [flipped, file.subarray(0, file.length - 1), Buffer.concat([file, Buffer.alloc(3)]), raw.subarray(0, 50)]) {
      assert.throws(() => decodeChunk(bad), ChunkDecodeError);
    }
  });

  it('rejects bad levels', () => {
    for (const level of [-1, 20, 0.5]) assert.throws(() => encodeChunk(text, level), RangeError);
  });

  it('works on worker threads (what the snapshot pipeline will do)', async () => {
    const url = new URL('./codec.js', import.meta.url).href;
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(${JSON.stringify(url)}).then(({ encodeChunk, decodeChunk }) => {
        const raw = Buffer.from(workerData);
        const { file } = encodeChunk(raw, 3);
        parentPort.postMessage({ file, same: decodeChunk(file).equals(raw) });
      });`;
    const results = await Promise.all([0, 1].map(() => new Promise<{ file: Uint8Array; same: boolean }>((resolve, reject) => {
      const worker = new Worker(source, { eval: true, workerData: text });
      worker.once('message', (m: { file: Uint8Array; same: boolean }) => void worker.terminate().then(() => resolve(m)));
      worker.once('error', reject);
    })));
    for (const { file, same } of results) {
      assert.equal(same, true);
      assert.ok(decodeChunk(Buffer.from(file)).equals(text), 'a worker-made file decodes here');
    }
  });
});

describe('encodeChunkBeside', () => {
  it('writes the same chunk file as encodeChunk beside the raw bytes, which it leaves intact', () => {
    const random = Buffer.alloc(65536);
    for (let i = 0; i < random.length; i += 32) Buffer.from(sha256Hex(`beside:${i}`), 'hex').copy(random, i);
    const text = Buffer.from('beside it, '.repeat(7000).slice(0, 65536));
    for (const [raw, level] of [[random, 1], [text, 1], [text, 0], [Buffer.alloc(0), 1]] as const) {
      const slot = Buffer.alloc(64 + 2 * raw.length + HEADER_BYTES, 0xee);
      raw.copy(slot, 64);
      const { codec, fileStart, fileLength } = encodeChunkBeside(slot, 64, raw.length, level);
      const expected = encodeChunk(raw, level);
      assert.equal(codec, expected.codec);
      const file = slot.subarray(fileStart, fileStart + fileLength);
      assert.ok(file.equals(expected.file));
      assert.ok(decodeChunk(file).equals(raw));
      assert.ok(slot.subarray(64, 64 + raw.length).equals(raw), 'the raw bytes stay where they were');
    }
    assert.throws(() => encodeChunkBeside(Buffer.alloc(200), 64, 90, 1), RangeError, 'no room after');
    assert.throws(() => encodeChunkBeside(Buffer.alloc(400), 10, 90, 1), RangeError, 'no room before');
  });
});
