/**
 * Test helpers for the engine (imported only by tests): temp directories,
 * deterministic pseudo-random bytes, a chunk store wrapper with hooks, and
 * whole-volume readers.
 */
import { createCipheriv, createHash, type Cipher } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChunkStore, PutOptions, PutResult } from '../chunks/chunk-store.js';
import { decodeChunk, type EncodedChunk } from '../chunks/codec.js';
import type { ExportResolver } from '../block-device.js';

export interface TempDir {
  readonly path: string;
  cleanup(): Promise<void>;
}

export async function tempDir(prefix = 'edgesnap-engine-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Deterministic pseudo-random bytes (AES-256-CTR keystream of a seed) — reproducible failures. */
export class Prng {
  private readonly cipher: Cipher;

  constructor(seed: string) {
    const key = createHash('sha256').update(seed).digest();
    this.cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  }

  bytes(n: number): Buffer {
    return this.cipher.update(Buffer.alloc(n));
  }

  /** An integer in [0, max). */
  int(max: number): number {
    return this.bytes(6).readUIntBE(0, 6) % max;
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads a whole volume through the NBD view. */
export async function readVolume(exports: ExportResolver, volumeId: string): Promise<Buffer> {
  const handle = await exports.open(volumeId);
  if (!handle) throw new Error(`no export ${volumeId}`);
  try {
    return await handle.device.read(0, handle.device.size);
  } finally {
    handle.release();
  }
}

/** Writes `data` at `offset` of a volume through the NBD view. */
export async function writeVolume(exports: ExportResolver, volumeId: string, offset: number, data: Buffer): Promise<void> {
  const handle = await exports.open(volumeId);
  if (!handle) throw new Error(`no export ${volumeId}`);
  try {
    await handle.device.write(offset, data, false);
  } finally {
    handle.release();
  }
}

/**
 * A ChunkStore that passes the required methods and `sync` to `inner`; test
 * wrappers extend it and override what they watch or hold. (The optional
 * sized/encoded puts are left out on purpose: callers then take the plain put
 * the wrappers hook.)
 */
export class DelegatingChunkStore implements ChunkStore {
  constructor(readonly inner: ChunkStore) {}

  put(digest: string, data: Buffer, options?: PutOptions): Promise<boolean> {
    return this.inner.put(digest, data, options);
  }

  async sync(): Promise<void> {
    await this.inner.sync?.();
  }

  get(digest: string): Promise<Buffer | undefined> {
    return this.inner.get(digest);
  }

  has(digest: string): Promise<boolean> {
    return this.inner.has(digest);
  }

  delete(digest: string): Promise<boolean> {
    return this.inner.delete(digest);
  }

  list(): AsyncIterable<string> {
    return this.inner.list();
  }
}

/** A ChunkStore that delegates, counting puts and running `beforePut` first (delays, injected faults). */
export class HookedChunkStore extends DelegatingChunkStore {
  puts = 0;
  beforePut: ((digest: string, putNumber: number) => Promise<void>) | undefined;

  override async put(digest: string, data: Buffer, options?: PutOptions): Promise<boolean> {
    const n = ++this.puts;
    await this.beforePut?.(digest, n);
    return this.inner.put(digest, data, options);
  }

  /** Counted and hooked as `put` (the snapshot job stores chunk files its hashing threads made). */
  async putEncoded(digest: string, encoded: EncodedChunk, options?: PutOptions): Promise<PutResult> {
    const n = ++this.puts;
    await this.beforePut?.(digest, n);
    if (this.inner.putEncoded) return this.inner.putEncoded(digest, encoded, options);
    const stored = await this.inner.put(digest, decodeChunk(encoded.file), options);
    return { stored, storedBytes: stored ? encoded.file.length : 0 };
  }
}

export async function countChunks(store: ChunkStore): Promise<number> {
  let n = 0;
  for await (const digest of store.list()) if (digest) n++;
  return n;
}
