/**
 * A store that writes to `primary` and still reads an older store's chunks
 * (`legacy`): how a data directory written with one file per chunk keeps
 * working after the engine moved to pack files. New chunks go to the primary
 * only; a chunk the legacy store holds is not stored again; delete removes it
 * from both; listing yields each digest once.
 */
import { NOTHING_COMPACTED, type ChunkStore, type CompactionResult, type PutOptions, type PutResult } from './chunk-store.js';
import type { EncodedChunk } from './codec.js';

const PRESENT: PutResult = { stored: false, storedBytes: 0 };

export class LayeredChunkStore implements ChunkStore {
  constructor(readonly primary: ChunkStore, readonly legacy: ChunkStore) {}

  async put(digest: string, data: Buffer, options?: PutOptions): Promise<boolean> {
    return (await this.putSized(digest, data, options)).stored;
  }

  async putSized(digest: string, data: Buffer, options?: PutOptions): Promise<PutResult> {
    if (await this.legacy.has(digest)) return PRESENT;
    if (this.primary.putSized) return this.primary.putSized(digest, data, options);
    const stored = await this.primary.put(digest, data, options);
    return { stored, storedBytes: stored ? data.length : 0 };
  }

  async putEncoded(digest: string, encoded: EncodedChunk, options?: PutOptions): Promise<PutResult> {
    if (!this.primary.putEncoded) throw new TypeError('the primary store cannot take encoded chunks');
    if (await this.legacy.has(digest)) return PRESENT;
    return this.primary.putEncoded(digest, encoded, options);
  }

  /** From the primary only (the legacy store's chunks come through `get`). */
  async getRawInto(digests: readonly string[], targets: readonly Buffer[]): Promise<boolean[]> {
    return (await this.primary.getRawInto?.(digests, targets)) ?? digests.map(() => false);
  }

  async get(digest: string): Promise<Buffer | undefined> {
    return (await this.primary.get(digest)) ?? this.legacy.get(digest);
  }

  async has(digest: string): Promise<boolean> {
    return (await this.primary.has(digest)) || this.legacy.has(digest);
  }

  async storedSize(digest: string): Promise<number | undefined> {
    return (await this.primary.storedSize?.(digest)) ?? this.legacy.storedSize?.(digest);
  }

  async delete(digest: string): Promise<boolean> {
    const [inPrimary, inLegacy] = await Promise.all([this.primary.delete(digest), this.legacy.delete(digest)]);
    return inPrimary || inLegacy;
  }

  async *list(): AsyncIterable<string> {
    const seen = new Set<string>();
    for await (const digest of this.primary.list()) {
      seen.add(digest);
      yield digest;
    }
    for await (const digest of this.legacy.list()) if (!seen.has(digest)) yield digest;
  }

  async sync(): Promise<void> {
    await Promise.all([this.primary.sync?.(), this.legacy.sync?.()]);
  }

  async compact(): Promise<CompactionResult> {
    return (await this.primary.compact?.()) ?? NOTHING_COMPACTED;
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close?.(), this.legacy.close?.()]);
  }
}
