import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Identifiers as a port: resource ids, request ids, order ids and secrets all
 * come from an IdGenerator so tests can make them deterministic.
 */
export interface IdGenerator {
  /** A resource id such as `d-…`, `s-…`: prefix + 24 lower-case alphanumerics. */
  resourceId(prefix: string): string;
  /** An upper-case UUID, as Alibaba's RequestId. */
  requestId(): string;
  /** A numeric string of `digits` digits (no leading zero), as an OrderId. */
  numericId(digits: number): string;
  /** `bytes` random bytes (secrets, nonces). */
  randomBytes(bytes: number): Buffer;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function encode(bytes: Buffer, length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

function fromBytes(next: (n: number) => Buffer): IdGenerator {
  return {
    resourceId: (prefix) => `${prefix}-${encode(next(24), 24, ALPHABET)}`,
    requestId: () => formatUuid(next(16)).toUpperCase(),
    numericId: (digits) => {
      const b = next(digits);
      return String(1 + (b[0]! % 9)) + encode(b.subarray(1), digits - 1, '0123456789');
    },
    randomBytes: (n) => next(n),
  };
}

function formatUuid(b: Buffer): string {
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const randomIds: IdGenerator = {
  ...fromBytes((n) => randomBytes(n)),
  requestId: () => randomUUID().toUpperCase(),
};

/** Deterministic ids from a seed (xorshift-based stream; not for secrets in production). */
export function seededIds(seed: number): IdGenerator {
  let state = (seed >>> 0) || 0x9e3779b9;
  const nextByte = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state & 0xff;
  };
  return fromBytes((n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = nextByte();
    return b;
  });
}

/**
 * An IdGenerator whose source can be switched while the service runs (the admin API's `POST /ids` makes a
 * test run's ids reproducible). Everything holds this one object, so a switch reaches every caller at once.
 */
export class SwitchableIds implements IdGenerator {
  private current: IdGenerator;

  constructor(private readonly initial: IdGenerator) {
    this.current = initial;
  }

  /** From now on, ids come from `seededIds(seed)` (a new stream each call). */
  seed(seed: number): void {
    this.current = seededIds(seed);
  }

  /** Back to the generator the service started with. */
  unseed(): void {
    this.current = this.initial;
  }

  resourceId(prefix: string): string {
    return this.current.resourceId(prefix);
  }

  requestId(): string {
    return this.current.requestId();
  }

  numericId(digits: number): string {
    return this.current.numericId(digits);
  }

  randomBytes(bytes: number): Buffer {
    return this.current.randomBytes(bytes);
  }
}

/** A number in [0, 1) drawn from `ids` (so a seeded generator makes it reproducible too). */
export function randomFraction(ids: IdGenerator): number {
  return ids.randomBytes(4).readUInt32BE(0) / 2 ** 32;
}
