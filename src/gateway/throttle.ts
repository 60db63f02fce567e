/**
 * Per-AccessKey, per-action request-rate limits: one token bucket for each
 * (accessKeyId, action). A bucket holds up to `burst` tokens and refills at
 * `ratePerSecond`; a request takes one token or is refused with the time until
 * one is back. Limits are looked up on every call from the key's account, so an
 * operator can change them per account at any time (a bucket holding more
 * tokens than a lowered burst is cut down to it).
 *
 * Memory stays bounded: a bucket idle long enough to have refilled completely
 * is indistinguishable from a new one, so it is dropped. Buckets are kept in
 * least-recently-used order and the sweep stops at the first one not yet full,
 * so each call costs O(1) amortised; what it leaves, the cap bounds. If more
 * than `maxBuckets` keys are all busy at once, the least recently used bucket
 * is dropped anyway; that key merely starts again from a full bucket.
 *
 * A refusal is answered with `Throttling.User` (clients treat codes containing
 * `Throttling` as throttling and read `x-acs-retry-after`, in milliseconds).
 */
import { Gateway } from '../kernel/catalog.js';
import type { Clock } from '../kernel/clock.js';
import { ApiError } from '../kernel/errors.js';

export interface RateLimit {
  /** Tokens added per second (> 0). */
  ratePerSecond: number;
  /** Bucket size: how many requests may arrive at once (>= 1). */
  burst: number;
}

/** The limit of `action` for `accountId`, or undefined for no limit. */
export type LimitResolver = (accountId: string, action: string) => RateLimit | undefined;

export interface ThrottleKey {
  accessKeyId: string;
  accountId: string;
  action: string;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  /** Clock time of the last refill. */
  at: number;
  /** When the bucket is full again if nothing takes from it (eviction horizon). */
  fullAt: number;
}

export interface ThrottleOptions {
  clock: Clock;
  limits: LimitResolver;
  /** Hard cap on buckets held at once (default 10 000). */
  maxBuckets?: number;
}

export class Throttle {
  private readonly clock: Clock;
  private readonly limits: LimitResolver;
  private readonly maxBuckets: number;
  /** Insertion order = least recently used first. */
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: ThrottleOptions) {
    this.clock = options.clock;
    this.limits = options.limits;
    this.maxBuckets = options.maxBuckets ?? 10_000;
    if (!(Number.isInteger(this.maxBuckets) && this.maxBuckets >= 1)) throw new RangeError('maxBuckets must be a positive integer');
  }

  /** Takes one token for this request, or says how long until one is available. */
  take(key: ThrottleKey): ThrottleDecision {
    const limit = this.limits(key.accountId, key.action);
    if (limit === undefined) return { allowed: true };
    checkLimit(limit);
    const now = this.clock.now();
    this.sweep(now);
    const id = `${key.accessKeyId}\u0000${key.action}`;
    const bucket = this.refill(this.buckets.get(id), limit, now);
    this.buckets.delete(id); // re-inserted below: most recently used goes last
    let decision: ThrottleDecision;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      decision = { allowed: true };
    } else {
      decision = { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) * 1000) / limit.ratePerSecond) };
    }
    bucket.fullAt = now + Math.ceil(((limit.burst - bucket.tokens) * 1000) / limit.ratePerSecond);
    this.buckets.set(id, bucket);
    if (this.buckets.size > this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value!);
    return decision;
  }

  /** Forgets every bucket (reset-all-state): each key starts again from a full bucket. */
  clear(): void {
    this.buckets.clear();
  }

  /** How many buckets are held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(bucket: Bucket | undefined, limit: RateLimit, now: number): Bucket {
    if (bucket === undefined) return { tokens: limit.burst, at: now, fullAt: now };
    const elapsed = Math.max(0, now - bucket.at); // a clock stepping back never adds tokens
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsed * limit.ratePerSecond) / 1000);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }

  /** Drops the least recently used buckets that are full again (a fresh bucket would behave the same). */
  private sweep(now: number): void {
    for (const [id, bucket] of this.buckets) {
      if (bucket.fullAt > now) return;
      this.buckets.delete(id);
    }
  }
}

function checkLimit(limit: RateLimit): void {
  if (!(Number.isFinite(limit.ratePerSecond) && limit.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
  if (!(Number.isFinite(limit.burst) && limit.burst >= 1)) throw new RangeError('burst must be >= 1');
}

/** The error a refused request answers, with the retry hint the official clients read. */
export function throttledError(retryAfterMs: number): ApiError {
  const spec = Gateway.Throttling;
  return new ApiError(spec, spec.message, { 'x-acs-retry-after': String(retryAfterMs) });
}
