/** Token buckets per (AccessKey, action) on a manual clock: rate, burst, per-account limits, bounded memory. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../kernel/clock.js';
import { type LimitResolver, type RateLimit, Throttle, type ThrottleKey, throttledError } from './throttle.js';

const key = (accessKeyId = 'LTAI-a', action = 'CreateSnapshot', accountId = 'acct-1'): ThrottleKey => ({ accessKeyId, accountId, action });
const fixed = (limit: RateLimit | undefined): LimitResolver => () => limit;

function setup(limits: LimitResolver, maxBuckets?: number): { clock: ManualClock; throttle: Throttle } {
  const clock = new ManualClock('2026-11-28T12:00:00Z');
  return { clock, throttle: new Throttle({ clock, limits, ...(maxBuckets ? { maxBuckets } : {}) }) };
}

function takeN(t: Throttle, k: ThrottleKey, n: number): number {
  let allowed = 0;
  for (let i = 0; i < n; i++) if (t.take(k).allowed) allowed++;
  return allowed;
}

describe('Throttle', () => {
  it('lets a burst through, then refuses with the time until the next token', () => {
    const { throttle } = setup(fixed({ ratePerSecond: 2, burst: 3 }));
    assert.equal(takeN(throttle, key(), 3), 3);
    assert.deepEqual(throttle.take(key()), { allowed: false, retryAfterMs: 500 });
  });

  it('refills at the rate, never above the burst', () => {
    const { clock, throttle } = setup(fixed({ ratePerSecond: 2, burst: 3 }));
    takeN(throttle, key(), 3);
    clock.advance(250);
    assert.deepEqual(throttle.take(key()), { allowed: false, retryAfterMs: 250 });
    clock.advance(250);
    assert.deepEqual(throttle.take(key()), { allowed: true });
    clock.advance(60_000);
    assert.equal(takeN(throttle, key(), 10), 3);
  });

  it('holds the long-run rate: 10 s at 5/s with burst 1 allows 50 (+1 at t=0)', () => {
    const { clock, throttle } = setup(fixed({ ratePerSecond: 5, burst: 1 }));
    let allowed = 0;
    for (let ms = 0; ms <= 10_000; ms += 10) {
      if (throttle.take(key()).allowed) allowed++;
      clock.advance(10);
    }
    assert.equal(allowed, 51);
  });

  it('keys by AccessKey and action', () => {
    const { throttle } = setup(fixed({ ratePerSecond: 1, burst: 1 }));
    assert.equal(throttle.take(key('LTAI-a', 'CreateSnapshot')).allowed, true);
    assert.equal(throttle.take(key('LTAI-a', 'CreateSnapshot')).allowed, false);
    assert.equal(throttle.take(key('LTAI-a', 'DescribeDisks')).allowed, true);
    assert.equal(throttle.take(key('LTAI-b', 'CreateSnapshot')).allowed, true);
  });

  it('resolves limits per account and action on every call; undefined is unlimited', () => {
    const seen: string[] = [];
    const limits: LimitResolver = (account, action) => {
      seen.push(`${account}/${action}`);
      if (account === 'free') return undefined;
      return action === 'CreateSnapshot' ? { ratePerSecond: 1, burst: 2 } : { ratePerSecond: 100, burst: 100 };
    };
    const { throttle } = setup(limits);
    assert.equal(takeN(throttle, key('k1', 'CreateSnapshot', 'free'), 1000), 1000);
    assert.equal(throttle.size, 0, 'an unlimited key holds no bucket');
    assert.equal(takeN(throttle, key('k2', 'CreateSnapshot', 'paid'), 5), 2);
    assert.equal(takeN(throttle, key('k2', 'DescribeDisks', 'paid'), 150), 100);
    assert.deepEqual(seen.slice(0, 1), ['free/CreateSnapshot']);
    assert.equal(seen.length, 1000 + 5 + 150);
  });

  it('applies a changed limit at once (a lowered burst cuts the bucket down)', () => {
    let limit: RateLimit = { ratePerSecond: 1, burst: 10 };
    const { clock, throttle } = setup(() => limit);
    throttle.take(key());
    limit = { ratePerSecond: 1, burst: 2 };
    clock.advance(1);
    assert.equal(takeN(throttle, key(), 5), 2);
  });

  it('never adds tokens when the clock steps back', () => {
    const { clock, throttle } = setup(fixed({ ratePerSecond: 1, burst: 1 }));
    throttle.take(key());
    clock.advance(-5_000);
    assert.equal(throttle.take(key()).allowed, false);
  });

  it('refuses a nonsensical limit', () => {
    assert.throws(() => setup(fixed({ ratePerSecond: 0, burst: 1 })).throttle.take(key()), /ratePerSecond/);
    assert.throws(() => setup(fixed({ ratePerSecond: 1, burst: 0.5 })).throttle.take(key()), /burst/);
    assert.throws(() => setup(fixed({ ratePerSecond: Number.NaN, burst: 1 })).throttle.take(key()), /ratePerSecond/);
    assert.throws(() => new Throttle({ clock: new ManualClock(0), limits: fixed(undefined), maxBuckets: 0 }), /maxBuckets/);
  });

  it('does not grow without bound: 100k distinct keys over time keep only the non-full buckets', () => {
    const { clock, throttle } = setup(fixed({ ratePerSecond: 10, burst: 5 }));
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      assert.equal(throttle.take(key(`LTAI-${i}`)).allowed, true);
      clock.advance(1); // a bucket that lost one token is full again after 100 ms
      peak = Math.max(peak, throttle.size);
    }
    assert.ok(peak <= 101, `peak ${peak}`);
  });

  it('does not grow without bound when 100k keys arrive at the same instant: the cap holds', () => {
    const { throttle } = setup(fixed({ ratePerSecond: 1, burst: 1 }), 1000);
    for (let i = 0; i < 100_000; i++) throttle.take(key(`LTAI-${i}`));
    assert.equal(throttle.size, 1000);
    // The most recently used keys are kept: the last one is still empty, the first one was forgotten.
    assert.equal(throttle.take(key('LTAI-99999')).allowed, false);
    assert.equal(throttle.take(key('LTAI-0')).allowed, true);
  });

  it('an evicted idle bucket behaves exactly like the one it replaced', () => {
    const { clock, throttle } = setup(fixed({ ratePerSecond: 1, burst: 2 }));
    takeN(throttle, key('a'), 2);
    clock.advance(2_000);
    throttle.take(key('b')); // sweeps 'a', full again
    assert.equal(throttle.size, 1);
    assert.equal(takeN(throttle, key('a'), 3), 2);
  });

  it('answers Throttling.User with the retry hint header', () => {
    const err = throttledError(1234);
    assert.equal(err.code, 'Throttling.User');
    assert.equal(err.status, 400);
    assert.equal(err.message, 'Request was denied due to user flow control.');
    assert.deepEqual(err.headers, { 'x-acs-retry-after': '1234' });
    assert.match(err.code, /Throttling/);
  });
});
