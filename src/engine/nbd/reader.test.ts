import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { ConnectionClosedError } from './errors.js';
import { ByteReader } from './reader.js';

class FakeSource extends EventEmitter {
  paused = false;
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  push(data: Buffer | string): void {
    this.emit('data', Buffer.isBuffer(data) ? data : Buffer.from(data));
  }
}

const seq = (n: number, start = 0): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) & 0xff));

describe('ByteReader', () => {
  it('reassembles reads from 1-byte chunks and splits chunks across reads', async () => {
    const src = new FakeSource();
    const reader = new ByteReader(src);
    const data = seq(300);
    for (const byte of data) src.push(Buffer.from([byte]));
    assert.ok((await reader.read(7)).equals(data.subarray(0, 7)));
    assert.ok((await reader.read(200)).equals(data.subarray(7, 207)));
    assert.ok((await reader.read(93)).equals(data.subarray(207)));
    assert.equal(reader.bufferedLength, 0);
  });

  it('returns a view without copying when one chunk holds the bytes', async () => {
    const src = new FakeSource();
    const reader = new ByteReader(src);
    const chunk = seq(64);
    src.push(chunk);
    const got = await reader.read(16);
    assert.equal(got.buffer, chunk.buffer);
    assert.ok((await reader.read(48)).equals(chunk.subarray(16)));
  });

  it('fills a pending read from later chunks and keeps the surplus', async () => {
    const src = new FakeSource();
    const reader = new ByteReader(src);
    src.push(seq(10));
    const pending = reader.read(1000);
    src.push(seq(500, 10));
    src.push(seq(600, 510)); // 110 bytes surplus
    assert.ok((await pending).equals(seq(1000)));
    assert.equal(reader.bufferedLength, 110);
    assert.ok((await reader.read(110)).equals(seq(110, 1000)));
  });

  it('skips bytes that are buffered and still to come', async () => {
    const src = new FakeSource();
    const reader = new ByteReader(src);
    src.push(seq(100));
    const skipping = reader.skip(250);
    src.push(seq(100, 100));
    src.push(seq(100, 200));
    await skipping;
    assert.ok((await reader.read(50)).equals(seq(50, 250)));
  });

  it('rejects a pending read when the stream ends, after serving what was buffered', async () => {
    const src = new FakeSource();
    const reader = new ByteReader(src);
    src.push(seq(8));
    const pending = reader.read(16);
    src.emit('end');
    await assert.rejects(pending, ConnectionClosedError);
    src.push(seq(4)); // late data after end is harmless
    await assert.rejects(reader.read(100), ConnectionClosedError);
  });

  it('serves complete buffered messages after the peer closed', async () => {
    const src = new FakeSource();
    const reader = new ByteReader(src);
    src.push(seq(8));
    src.emit('close');
    assert.ok((await reader.read(8)).equals(seq(8)));
    await assert.rejects(reader.read(1), ConnectionClosedError);
  });

  it('pauses the source above the high-water mark and resumes once drained', async () => {
    const src = new FakeSource();
    const reader = new ByteReader(src, 100);
    src.push(seq(60));
    assert.equal(src.paused, false);
    src.push(seq(60, 60));
    assert.equal(src.paused, true);
    await reader.read(30);
    assert.equal(src.paused, false);
    const big = reader.read(500);
    assert.equal(src.paused, false, 'a read that needs more data resumes the source');
    src.push(seq(410, 120));
    assert.ok((await big).equals(seq(500, 30)));
  });

  it('allows only one read at a time', () => {
    const reader = new ByteReader(new FakeSource());
    void reader.read(4).catch(() => undefined);
    assert.throws(() => reader.read(4), /one read at a time/);
  });
});
