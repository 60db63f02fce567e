import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PayloadPool, POOLED_FROM } from './payload-pool.js';

describe('PayloadPool', () => {
  it('hands out size-class buffers, reuses released ones, and keeps at most its byte budget', () => {
    const pool = new PayloadPool(3 * 1024 * 1024);
    const a = pool.acquire(1024 * 1024);
    const b = pool.acquire(POOLED_FROM + 1);
    assert.equal(a.length, 1024 * 1024);
    assert.equal(b.length, 2 * POOLED_FROM, 'rounded up to a power of two');
    pool.release(a);
    assert.equal(pool.acquire(700 * 1024), a, 'the released 1 MiB buffer is reused for a 700 KiB payload');
    const many = [pool.acquire(1024 * 1024), pool.acquire(1024 * 1024), pool.acquire(1024 * 1024), pool.acquire(1024 * 1024)];
    for (const buffer of many) pool.release(buffer);
    const again = [pool.acquire(1024 * 1024), pool.acquire(1024 * 1024), pool.acquire(1024 * 1024), pool.acquire(1024 * 1024)];
    assert.equal(again.filter((buffer) => many.includes(buffer)).length, 3, 'only three fit the 3 MiB budget');
    pool.release(Buffer.alloc(1000)); // not a size class: dropped
    assert.notEqual(pool.acquire(1000).length, 1000);
  });
});
