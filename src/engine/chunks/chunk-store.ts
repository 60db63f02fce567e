/**
 * The chunk store port: content-addressed blobs named by the lowercase hex
 * SHA-256 of their content. Stores trust the caller's digest on `put` (the
 * engine has just computed it) and return bytes unverified on `get`; readers
 * that need integrity (restore, verify) recompute the digest.
 */
import { createHash } from 'node:crypto';

export interface ChunkStore {
  /** Stores `data` under `digest` durably. Resolves true if newly stored, false if it was already there. */
  put(digest: string, data: Buffer): Promise<boolean>;
  /** The stored bytes, or undefined if absent. */
  get(digest: string): Promise<Buffer | undefined>;
  has(digest: string): Promise<boolean>;
  /** Removes the chunk durably. Resolves false if it was absent. */
  delete(digest: string): Promise<boolean>;
  /** Every stored digest, in no particular order. */
  list(): AsyncIterable<string>;
}

const DIGEST = /^[0-9a-f]{64}$/;

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** Throws a TypeError unless `digest` is 64 lowercase hex characters. */
export function assertDigest(digest: string): void {
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    throw new TypeError(`invalid chunk digest ${JSON.stringify(digest)}`);
  }
}

/** Lowercase hex SHA-256 of `data`. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

let zeroes = Buffer.alloc(0);

/** Whether every byte of `data` is zero. */
export function isAllZero(data: Buffer): boolean {
  if (zeroes.length < data.length) zeroes = Buffer.alloc(data.length);
  return data.equals(zeroes.subarray(0, data.length));
}
