/**
 * Rolls a live volume back to a manifest in place, rewriting only the chunks
 * whose bytes differ: each chunk's current SHA-256 is compared with the
 * manifest's digest (a zero chunk with `null`); chunks past the manifest's end
 * (the volume grew since) must read as zeroes; never-written chunks that must
 * be zero are skipped without reading. Every chunk fetched from the store is
 * verified (length and SHA-256). Writes go through the Volume (allocation map
 * first) and are fdatasync'ed before resolving. Idempotent and resumable:
 * running it again rewrites whatever still differs, normally nothing.
 */
import { isAllZero, sha256Hex, type ChunkStore } from '../chunks/chunk-store.js';
import { forEachLimit } from '../support/pool.js';
import type { Volume } from '../volume/volume.js';
import type { Manifest } from './manifest.js';
import { fetchVerified } from './restore.js';

export interface ResetOptions {
  readonly store: ChunkStore;
  readonly concurrency: number;
  readonly signal?: AbortSignal;
}

/** Rewrites the chunks of `volume` that differ from `manifest`; resolves the number rewritten. */
export async function resetToManifest(manifest: Manifest, volume: Volume, options: ResetOptions): Promise<number> {
  if (volume.size < manifest.sizeBytes) {
    throw new RangeError(`volume ${volume.id} (${volume.size} bytes) is smaller than snapshot ${manifest.snapshotId}`);
  }
  const { chunkSize } = manifest;
  const count = Math.ceil(volume.size / chunkSize);
  let rewritten = 0;
  await forEachLimit(Array.from({ length: count }, (_, i) => i), options.concurrency, async (index) => {
    if (await resetChunk(manifest, volume, index, options.store)) rewritten++;
  }, options.signal);
  await volume.datasync();
  return rewritten;
}

/** Makes chunk `index` of `volume` equal to the manifest's; true if it had to be written. */
async function resetChunk(manifest: Manifest, volume: Volume, index: number, store: ChunkStore): Promise<boolean> {
  const offset = index * manifest.chunkSize;
  const length = Math.min(manifest.chunkSize, volume.size - offset);
  // The part of this chunk the manifest covers, and its digest (null: zeroes, or past the manifest's end).
  const covered = Math.max(0, Math.min(length, manifest.sizeBytes - offset));
  const digest = covered > 0 ? manifest.chunks[index] ?? null : null;
  if (digest === null && volume.isUnallocated(offset, length)) return false;
  const current = await volume.read(offset, length);
  const tailZero = covered === length || isAllZero(current.subarray(covered));
  if (digest === null) {
    if (isAllZero(current)) return false;
    await volume.writeZeroes(offset, length, false);
    return true;
  }
  if (tailZero && sha256Hex(current.subarray(0, covered)) === digest) return false;
  const target = Buffer.alloc(length);
  (await fetchVerified(store, digest, covered, manifest.snapshotId, index)).copy(target, 0);
  await volume.write(offset, target, false);
  return true;
}
