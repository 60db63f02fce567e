import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../kernel/clock.js';
import { CREDENTIALS, assertApiError, toRaw, vector } from './fixture-vectors.js';
import { ReplayGuard } from './replay-guard.js';
import { parseRpcRequest } from './rpc-request.js';

const NOW = '2026-11-28T15:36:40Z';
const MINUTE = 60_000;
const USED = ['SignatureNonceUsed', 400, 'Specified signature nonce was used already.'] as const;
const EXPIRED = ['InvalidTimeStamp.Expired', 400, 'Specified time stamp or date value is expired.'] as const;
const FULL = ['ServiceUnavailable', 503, 'The request has failed due to a temporary failure of the server.'] as const;

describe('ReplayGuard', () => {
  const req = parseRpcRequest(toRaw(vector('core-v3-post-query')));

  it('accepts a captured nonce once, then SignatureNonceUsed', () => {
    const guard = new ReplayGuard(new ManualClock(NOW));
    guard.check(req.accessKeyId, req.nonce, req.timestampMs);
    assert.equal(guard.size, 1);
    assertApiError(() => guard.check(req.accessKeyId, req.nonce, req.timestampMs), ...USED);
    // A replay with another (still fresh) timestamp is the same nonce.
    assertApiError(() => guard.check(req.accessKeyId, req.nonce, req.timestampMs + 1000), ...USED);
    // Nonces are per access key.
    guard.check('LTAI5tOTHERkey', req.nonce, req.timestampMs);
    assert.equal(guard.size, 2);
  });

  it('does not confuse (key, nonce) pairs that concatenate alike', () => {
    const guard = new ReplayGuard(new ManualClock(NOW));
    const t = Date.parse(NOW);
    guard.check('ab', 'c', t);
    guard.check('a', 'bc', t);
    assert.equal(guard.size, 2);
  });

  it('rejects timestamps more than the window away, either side, and accepts the edges', () => {
    const guard = new ReplayGuard(new ManualClock(NOW));
    const now = Date.parse(NOW);
    assertApiError(() => guard.check(CREDENTIALS.accessKeyId, 'n1', now - 16 * MINUTE), ...EXPIRED);
    assertApiError(() => guard.check(CREDENTIALS.accessKeyId, 'n2', now + 16 * MINUTE), ...EXPIRED);
    assertApiError(() => guard.check(CREDENTIALS.accessKeyId, 'n3', Number.NaN), ...EXPIRED);
    assert.equal(guard.size, 0, 'rejected requests do not burn nonces');
    guard.check(CREDENTIALS.accessKeyId, 'n4', now - 15 * MINUTE);
    guard.check(CREDENTIALS.accessKeyId, 'n5', now + 15 * MINUTE);
    assert.equal(guard.size, 2);
  });

  it('a captured request replayed 16 minutes later is expired', () => {
    const clock = new ManualClock(NOW);
    const guard = new ReplayGuard(clock);
    guard.check(req.accessKeyId, req.nonce, req.timestampMs);
    clock.advance(16 * MINUTE);
    assertApiError(() => guard.check(req.accessKeyId, req.nonce, req.timestampMs), ...EXPIRED);
  });

  it('prunes nonces once their request can no longer be fresh', () => {
    const clock = new ManualClock(NOW);
    const guard = new ReplayGuard(clock);
    const t = req.timestampMs; // 15:36:39, remembered until 15:51:39
    guard.check(req.accessKeyId, req.nonce, t);
    guard.check(req.accessKeyId, 'future', t + 10 * MINUTE); // remembered until 16:01:39
    clock.advance(15 * MINUTE - 1000); // 15:51:39: the first is still replayable
    guard.prune();
    assert.equal(guard.size, 2);
    clock.advance(1); // 15:51:39.001
    guard.prune();
    assert.equal(guard.size, 1);
    guard.check(req.accessKeyId, req.nonce, clock.now()); // the nonce may be reused with a fresh timestamp
    clock.advance(60 * MINUTE);
    guard.check(req.accessKeyId, 'later', clock.now()); // check() prunes too
    assert.equal(guard.size, 1);
  });

  it('refuses new nonces with ServiceUnavailable when full, until entries expire', () => {
    const clock = new ManualClock(NOW);
    const guard = new ReplayGuard(clock, 15 * MINUTE, 2);
    const now = clock.now();
    guard.check('k', 'a', now);
    guard.check('k', 'b', now);
    assertApiError(() => guard.check('k', 'c', now), ...FULL);
    assertApiError(() => guard.check('k', 'a', now), ...USED);
    clock.advance(15 * MINUTE + 1);
    guard.check('k', 'c', clock.now());
    assert.equal(guard.size, 1);
  });

  it('keeps memory bounded under sustained load with a custom window', () => {
    const clock = new ManualClock(NOW);
    const guard = new ReplayGuard(clock, 1000);
    for (let i = 0; i < 5000; i++) {
      guard.check('k', `n${i}`, clock.now() - (i % 7) * 100);
      clock.advance(10);
    }
    // An entry lives until timestamp + window: 400–1000 ms after its check,
    // i.e. 40–100 checks at 10 ms each, never all 5000.
    assert.ok(guard.size <= 101, `size ${guard.size}`);
    assert.ok(guard.size >= 40, `size ${guard.size}`);
  });
});
