/** A ChunkStore in a Map: for tests and for wrapping. Buffers are copied in and out. */
import { assertDigest, type ChunkStore } from './chunk-store.js';

export class MemoryChunkStore implements ChunkStore {
  private readonly chunks = new Map<string, Buffer>();

  async put(digest: string, data: Buffer): Promise<boolean> {
    assertDigest(digest);
    if (this.chunks.has(digest)) return false;
    this.chunks.set(digest, Buffer.from(data));
    return true;
  }

  async get(digest: string): Promise<Buffer | undefined> {
    assertDigest(digest);
    const data = this.chunks.get(digest);
    return data === undefined ? undefined : Buffer.from(data);
  }

  async has(digest: string): Promise<boolean> {
    assertDigest(digest);
    return this.chunks.has(digest);
  }

  async delete(digest: string): Promise<boolean> {
    assertDigest(digest);
    return this.chunks.delete(digest);
  }

  async *list(): AsyncIterable<string> {
    for (const digest of [...this.chunks.keys()]) yield digest;
  }
}
