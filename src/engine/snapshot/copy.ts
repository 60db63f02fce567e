/**
 * Copies a finished snapshot into another engine's (region's) chunk store and
 * manifests: every distinct data chunk the target store lacks is read from the
 * source store, verified against its SHA-256 (ChunkMissing / ChunkCorrupt, as
 * restore does) and put (names synced once at the end); only then is the manifest written (atomic,
 * fsync'ed) under the new id. A crash or abort half-way leaves some chunks and
 * no manifest, so a re-run skips what is there and finishes. Chunks in flight
 * are bounded by `concurrency`.
 */
import { EngineError, type SnapshotCopyResult } from '../engine.js';
import type { ChunkStore } from '../chunks/chunk-store.js';
import { forEachLimit } from '../support/pool.js';
import type { Hasher } from '../support/worker-pool.js';
import { buildManifest, type Manifest, type ManifestStore } from './manifest.js';
import { fetchVerified } from './restore.js';

export interface CopyStats extends SnapshotCopyResult {
  /** Distinct data chunks the target store already held (not copied). */
  readonly chunksPresent: number;
}

export interface SnapshotCopySource {
  /** Label for error messages, e.g. `cn-hangzhou-telecom/s-123`. */
  readonly label: string;
  /** The finished manifest, or undefined if there is none. */
  readManifest(): Promise<Manifest | undefined>;
  readonly store: ChunkStore;
}

export interface SnapshotCopyTarget {
  readonly snapshotId: string;
  readonly manifests: ManifestStore;
  readonly store: ChunkStore;
}

export interface CopyOptions {
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  /** Verifies chunks (the engine's worker pool; default: on the main thread). */
  readonly hasher?: Hasher;
}

const NOTHING: CopyStats = { chunksCopied: 0, bytesCopied: 0, chunksPresent: 0 };

/** Copies `source` in as `target.snapshotId`; resolves at once (nothing copied) if the target manifest exists. */
export async function copySnapshotInto(source: SnapshotCopySource, target: SnapshotCopyTarget, options: CopyOptions):
  Promise<CopyStats> {
  if (await target.manifests.read(target.snapshotId)) return NOTHING;
  const manifest = await source.readManifest();
  if (!manifest) throw new EngineError('ManifestNotFound', `snapshot ${source.label} has no finished manifest`);
  const stats = await copyMissingChunks(manifest, source.store, target.store, options);
  options.signal?.throwIfAborted();
  await target.store.sync?.(); // the chunks' names before the manifest naming them
  // Same geometry, chunk list, source volume, capture time and stored bytes; only the id changes.
  const { volumeId, sizeBytes, chunkSize, createdAt, storedBytes, chunks } = manifest;
  await target.manifests.write(buildManifest({
    snapshotId: target.snapshotId, volumeId, sizeBytes, chunkSize, createdAt, storedBytes, chunks,
  }));
  return stats;
}

/** Puts every distinct data chunk of `manifest` that `to` lacks, read and verified from `from`. */
export async function copyMissingChunks(manifest: Manifest, from: ChunkStore, to: ChunkStore, options: CopyOptions):
  Promise<CopyStats> {
  let chunksCopied = 0;
  let bytesCopied = 0;
  let chunksPresent = 0;
  await forEachLimit(distinctChunks(manifest), options.concurrency, async ([digest, index]) => {
    if (await to.has(digest)) {
      chunksPresent++;
      return;
    }
    const length = Math.min(manifest.chunkSize, manifest.sizeBytes - index * manifest.chunkSize);
    const data = await fetchVerified(from, digest, length, manifest.snapshotId, index, options.hasher);
    // false: a concurrent writer (a snapshot job of the target region) stored it meanwhile.
    if (await to.put(digest, data, { deferSync: true })) {
      chunksCopied++;
      bytesCopied += data.length;
    } else {
      chunksPresent++;
    }
  }, options.signal);
  return { chunksCopied, bytesCopied, chunksPresent };
}

/** Each distinct non-zero digest with the first chunk index holding it (for its length and error messages). */
function distinctChunks(manifest: Manifest): Map<string, number> {
  const first = new Map<string, number>();
  manifest.chunks.forEach((digest, index) => {
    if (digest !== null && !first.has(digest)) first.set(digest, index);
  });
  return first;
}
