/**
 * The chunk store port: content-addressed blobs named by the lowercase hex
 * SHA-256 of their content. Stores trust the caller's digest on `put` (the
 * engine has just computed it) and return bytes unverified on `get`; readers
 * that need integrity (restore, verify) recompute the digest.
 *
 * The digest is always that of the raw bytes; a store may keep them
 * compressed (see codec.ts) and decompresses on `get`.
 */
import { createHash } from 'node:crypto';
import type { EncodedChunk } from './codec.js';

export interface PutResult {
  /** Whether this call stored the chunk (false: it was already there). */
  readonly stored: boolean;
  /** Bytes written to storage (after compression); 0 if it was already there. */
  readonly storedBytes: number;
}

/**
 * `deferSync`: the chunk is readable, present and listed when the put
 * resolves, but may only be durable after the next `sync()` (a store batches
 * its fsyncs). For jobs that make a reference to the chunk durable only after
 * calling `sync()` (a session log, a manifest). A plain put (or `has`) that
 * finds such a chunk makes it durable first. Even deferred, a chunk whose put
 * resolved must survive the process being killed (not a power loss): a session
 * log records it right after the put, and is reloaded as written.
 */
export interface PutOptions {
  readonly deferSync?: boolean;
}

export interface ChunkStore {
  /** Stores `data` under `digest` durably. Resolves true if newly stored, false if it was already there. */
  put(digest: string, data: Buffer, options?: PutOptions): Promise<boolean>;
  /** The stored bytes, or undefined if absent. */
  get(digest: string): Promise<Buffer | undefined>;
  has(digest: string): Promise<boolean>;
  /** Removes the chunk durably. Resolves false if it was absent. */
  delete(digest: string): Promise<boolean>;
  /** Every stored digest, in no particular order. */
  list(): AsyncIterable<string>;
  /** `put`, also telling the bytes it wrote (after compression). */
  putSized?(digest: string, data: Buffer, options?: PutOptions): Promise<PutResult>;
  /** Stores a chunk file already made by codec.ts `encodeChunk` (e.g. on a worker thread) as it is. */
  putEncoded?(digest: string, encoded: EncodedChunk, options?: PutOptions): Promise<PutResult>;
  /**
   * Reads each chunk's bytes straight into its target when they are stored
   * uncompressed and exactly fill it (no buffer of their own, e.g. into hashing
   * threads' slots; chunks stored side by side in one read); answers per chunk
   * whether it did — not when absent, compressed or of another length: then
   * use `get`. The bytes are not checked against the digests: the caller does.
   */
  getRawInto?(digests: readonly string[], targets: readonly Buffer[]): Promise<boolean[]>;
  /** Makes every chunk put with `deferSync` so far durable (absent: every put is durable at once). */
  sync?(): Promise<void>;
  /** Bytes the chunk takes in storage (after compression), or undefined if absent. */
  storedSize?(digest: string): Promise<number | undefined>;
  /** Reclaims the space of deleted chunks where `delete` leaves it in place (pack files). */
  compact?(): Promise<CompactionResult>;
  /** Releases the store's files (after the last use). */
  close?(): Promise<void>;
}

export interface CompactionResult {
  /** Storage files removed (packs rewritten). */
  readonly packsRemoved: number;
  /** Live chunks rewritten elsewhere. */
  readonly chunksMoved: number;
  /** Bytes of storage given back. */
  readonly bytesReclaimed: number;
}

/** What `compact` of a store with nothing to compact answers. */
export const NOTHING_COMPACTED: CompactionResult = { packsRemoved: 0, chunksMoved: 0, bytesReclaimed: 0 };

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
