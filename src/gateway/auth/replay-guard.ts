/**
 * Freshness and nonce-replay protection. Call `check` only after the
 * signature verified, so unauthenticated callers cannot burn nonces.
 */
import { createHash } from 'node:crypto';
import { Gateway } from '../../kernel/catalog.js';
import type { Clock } from '../../kernel/clock.js';
import { apiError } from '../../kernel/errors.js';

interface Entry {
  expiresAt: number;
  key: string;
}

/** Binary min-heap of entries by `expiresAt`. */
class ExpiryHeap {
  private readonly items: Entry[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Entry | undefined {
    return this.items[0];
  }

  push(entry: Entry): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent].expiresAt <= items[i].expiresAt) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }

  pop(): Entry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < items.length && items[l].expiresAt < items[min].expiresAt) min = l;
      if (r < items.length && items[r].expiresAt < items[min].expiresAt) min = r;
      if (min === i) return top;
      [items[min], items[i]] = [items[i], items[min]];
      i = min;
    }
  }
}

/**
 * A request is fresh while |now − timestamp| ≤ window, so its nonce is kept
 * until `timestamp + window` (after that the timestamp check alone rejects a
 * replay). Expired entries are pruned on every `check`, cheapest first
 * (heap), each in O(log n) once. If, after pruning, `maxEntries` nonces are
 * still live, the request is refused with `ServiceUnavailable`: evicting a
 * live nonce would reopen replay for it.
 */
export class ReplayGuard {
  private readonly live = new Map<string, number>();
  private readonly expiries = new ExpiryHeap();

  constructor(
    /** The gateway's time (also what STS expirations are checked against). */
    readonly clock: Clock,
    private readonly windowMs = 15 * 60_000,
    private readonly maxEntries = 1_000_000,
  ) {}

  /** Number of nonces currently remembered. */
  get size(): number {
    return this.live.size;
  }

  /**
   * Throws `InvalidTimeStamp.Expired` (stale or future timestamp),
   * `SignatureNonceUsed` (replay) or `ServiceUnavailable` (table full);
   * otherwise records the nonce.
   */
  check(accessKeyId: string, nonce: string, timestampMs: number): void {
    const now = this.clock.now();
    if (!(Math.abs(now - timestampMs) <= this.windowMs)) throw apiError(Gateway.InvalidTimeStampExpired);
    this.prune(now);
    // Kept as a digest: a nonce is the client's choice, up to the 1 MiB body limit, and is held for 15 minutes.
    const key = createHash('sha256').update(`${accessKeyId.length}:${accessKeyId}${nonce}`).digest('base64');
    if (this.live.has(key)) throw apiError(Gateway.SignatureNonceUsed);
    if (this.live.size >= this.maxEntries) throw apiError(Gateway.ServiceUnavailable);
    const expiresAt = timestampMs + this.windowMs;
    this.live.set(key, expiresAt);
    this.expiries.push({ key, expiresAt });
  }

  /** Forgets every nonce whose request could no longer pass the timestamp check. */
  prune(now = this.clock.now()): void {
    for (let top = this.expiries.peek(); top !== undefined && top.expiresAt < now; top = this.expiries.peek()) {
      this.expiries.pop();
      if (this.live.get(top.key) === top.expiresAt) this.live.delete(top.key);
    }
  }
}
