/**
 * The chunk store as the engine's jobs see it: every put and has goes through
 * the ChunkGuard (under the chunk's lock, touching it), so a collection's sweep
 * never deletes a chunk a writer has just stored or found present. Reads and
 * listing pass straight through.
 */
import { NOTHING_COMPACTED, type ChunkStore, type CompactionResult, type PutOptions, type PutResult } from '../chunks/chunk-store.js';
import { decodeChunk, type EncodedChunk } from '../chunks/codec.js';
import type { ChunkGuard } from './chunk-guard.js';

export class GuardedChunkStore implements ChunkStore {
  constructor(readonly inner: ChunkStore, private readonly guard: ChunkGuard) {}

  put(digest: string, data: Buffer, options?: PutOptions): Promise<boolean> {
    return this.guard.use(digest, () => this.inner.put(digest, data, options));
  }

  putSized(digest: string, data: Buffer, options?: PutOptions): Promise<PutResult> {
    return this.guard.use(digest, async () => {
      if (this.inner.putSized) return this.inner.putSized(digest, data, options);
      const stored = await this.inner.put(digest, data, options);
      return { stored, storedBytes: stored ? data.length : 0 };
    });
  }

  putEncoded(digest: string, encoded: EncodedChunk, options?: PutOptions): Promise<PutResult> {
    return this.guard.use(digest, async () => {
      if (this.inner.putEncoded) return this.inner.putEncoded(digest, encoded, options);
      const stored = await this.inner.put(digest, decodeChunk(encoded.file), options);
      return { stored, storedBytes: stored ? encoded.rawLength : 0 };
    });
  }

  async sync(): Promise<void> {
    await this.inner.sync?.();
  }

  has(digest: string): Promise<boolean> {
    return this.guard.use(digest, () => this.inner.has(digest));
  }

  get(digest: string): Promise<Buffer | undefined> {
    return this.inner.get(digest);
  }

  async getRawInto(digests: readonly string[], targets: readonly Buffer[]): Promise<boolean[]> {
    return (await this.inner.getRawInto?.(digests, targets)) ?? digests.map(() => false);
  }

  async storedSize(digest: string): Promise<number | undefined> {
    return this.inner.storedSize ? this.inner.storedSize(digest) : (await this.inner.get(digest))?.length;
  }

  delete(digest: string): Promise<boolean> {
    return this.inner.delete(digest);
  }

  list(): AsyncIterable<string> {
    return this.inner.list();
  }

  async compact(): Promise<CompactionResult> {
    return (await this.inner.compact?.()) ?? NOTHING_COMPACTED;
  }
}
