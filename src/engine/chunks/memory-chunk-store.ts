/**
 * A ChunkStore in a Map: for tests and for wrapping. Chunks are kept as chunk
 * files of codec.ts (compressed like the filesystem store's), so sizes and
 * codec behaviour match; buffers are copied in and out.
 */
import { EngineError } from '../engine.js';
import { assertDigest, type ChunkStore, type PutResult } from './chunk-store.js';
import {
  assertCompressionLevel, ChunkDecodeError, decodeChunk, DEFAULT_COMPRESSION_LEVEL, encodeChunk, type EncodedChunk,
} from './codec.js';

export interface MemoryChunkStoreOptions {
  /** zstd level: 0 (off) to 19; default 1. */
  readonly compressionLevel?: number;
}

export class MemoryChunkStore implements ChunkStore {
  private readonly chunks = new Map<string, Buffer>();
  readonly compressionLevel: number;

  constructor(options: MemoryChunkStoreOptions = {}) {
    this.compressionLevel = options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
    assertCompressionLevel(this.compressionLevel);
  }

  async put(digest: string, data: Buffer): Promise<boolean> {
    return (await this.putSized(digest, data)).stored;
  }

  async putSized(digest: string, data: Buffer): Promise<PutResult> {
    assertDigest(digest);
    if (this.chunks.has(digest)) return { stored: false, storedBytes: 0 };
    return this.keep(digest, encodeChunk(data, this.compressionLevel).file);
  }

  async putEncoded(digest: string, encoded: EncodedChunk): Promise<PutResult> {
    assertDigest(digest);
    if (this.chunks.has(digest)) return { stored: false, storedBytes: 0 };
    return this.keep(digest, Buffer.from(encoded.file));
  }

  private keep(digest: string, file: Buffer): PutResult {
    this.chunks.set(digest, file);
    return { stored: true, storedBytes: file.length };
  }

  async get(digest: string): Promise<Buffer | undefined> {
    assertDigest(digest);
    const file = this.chunks.get(digest);
    if (file === undefined) return undefined;
    try {
      return Buffer.from(decodeChunk(file));
    } catch (err) {
      if (err instanceof ChunkDecodeError) throw new EngineError('ChunkCorrupt', `chunk ${digest}: ${err.message}`);
      throw err;
    }
  }

  async has(digest: string): Promise<boolean> {
    assertDigest(digest);
    return this.chunks.has(digest);
  }

  async storedSize(digest: string): Promise<number | undefined> {
    assertDigest(digest);
    return this.chunks.get(digest)?.length;
  }

  async delete(digest: string): Promise<boolean> {
    assertDigest(digest);
    return this.chunks.delete(digest);
  }

  async *list(): AsyncIterable<string> {
    for (const digest of [...this.chunks.keys()]) yield digest;
  }
}
