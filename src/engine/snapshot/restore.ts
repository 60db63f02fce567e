/**
 * Materialises a manifest into a volume file: writes `<target>.restoring`
 * (sparse: zero chunks are skipped), verifying every chunk's length and
 * SHA-256, fsyncs it and renames it to `<target>` (then fsyncs the directory).
 * On any failure the partial file is removed, so `<target>` only ever appears
 * complete. Runs of consecutive data chunks are fetched together and written
 * as one extent of up to RUN_BYTES, support/index-runs.ts (with 64 KiB chunks
 * a write per chunk costs the disk far more than the bytes); a raw chunk is read from the store
 * straight into a hashing thread's slot and verified there (no buffer of its
 * own, no copy). Extents are written with O_DIRECT where the file system
 * takes it (support/direct-io.ts), else through the page cache with the
 * write-back started as it goes (support/flush-behind.ts). The trade-off is
 * machine-dependent (docs/benchmarks.md): on one 2-core VM reading an
 * O_DIRECT-written disk back from the device took twice as long as from the
 * page cache; on another, growing the page cache by the disk's size cost more
 * kernel CPU than the restore's own work (2 GiB: 5.9 s through the cache,
 * 1.8 s direct, read-back included 7.5 s against 5.6 s). Direct I/O also keeps
 * a bulk restore from evicting what the running guests have cached.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineError } from '../engine.js';
import type { ChunkStore } from '../chunks/chunk-store.js';
import { DirectWriter } from '../support/direct-io.js';
import { fsyncDir, writevFully } from '../support/durable-fs.js';
import { FlushBehind } from '../support/flush-behind.js';
import { consecutiveRuns, runPlan } from '../support/index-runs.js';
import { forEachLimit, settleAll } from '../support/pool.js';
import { lendSlots, syncHasher, type Hasher } from '../support/worker-pool.js';
import type { Manifest } from './manifest.js';
import { AllocationMap, allocationPathOf } from '../volume/allocation-map.js';

/** The restored file's write-back is started every this many bytes. */
const FLUSH_BEHIND_BYTES = 64 * 1024 * 1024;

export interface RestoreOptions {
  readonly store: ChunkStore;
  /** Chunks fetched and written in parallel. */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  /** Verifies chunks (the engine's worker pool; default: on the main thread). */
  readonly hasher?: Hasher;
}

export async function restoreManifest(
  manifest: Manifest,
  target: string,
  sizeBytes: number,
  options: RestoreOptions,
): Promise<void> {
  const partial = `${target}.restoring`;
  let fh: FileHandle | undefined = await open(partial, 'w', 0o644);
  try {
    await fh.truncate(sizeBytes);
    const file = fh;
    const flush = new FlushBehind(file, FLUSH_BEHIND_BYTES);
    const { chunkSize } = manifest;
    const { perRun, inFlight } = runPlan(chunkSize, options.concurrency);
    const indexes = manifest.chunks.flatMap((digest, index) => (digest === null ? [] : [index]));
    const direct = await DirectWriter.open(partial);
    try {
      await forEachLimit(consecutiveRuns(indexes, perRun), inFlight, async (extent) => {
        const parts = await fetchExtent(manifest, extent, options);
        try {
          const data = parts.map((p) => p.data);
          if (await direct.write(data, extent[0]! * chunkSize)) return;
          await writevFully(file, data, extent[0]! * chunkSize);
          flush.wrote(data.reduce((n, d) => n + d.length, 0));
        } finally {
          for (const part of parts) part.release?.();
        }
      }, options.signal);
    } finally {
      await direct.close();
    }
    await flush.finish();
    await fh.close();
    fh = undefined;
    // The map before the volume appears: its data chunks are the allocated ones.
    await AllocationMap.create(allocationPathOf(target), sizeBytes, manifest.chunkSize, indexes);
    await rename(partial, target);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  }
  await fsyncDir(dirname(target));
}

/** A verified chunk for the restore; `release` gives back the hashing slot it lies in, if any. */
export interface FetchedChunk {
  readonly data: Buffer;
  readonly release?: () => void;
}

/**
 * The chunks of `extent`, verified: raw ones read from the store straight into
 * slots lent by the hasher (those stored side by side in one read) and
 * verified there, the others with `fetchVerified`. On failure every slot is
 * given back.
 */
export async function fetchExtent(manifest: Manifest, extent: readonly number[],
  options: { readonly store: ChunkStore; readonly hasher?: Hasher }): Promise<FetchedChunk[]> {
  const { store, hasher = syncHasher } = options;
  const digests = extent.map((index) => manifest.chunks[index]!);
  const lengths = extent.map((index) => Math.min(manifest.chunkSize, manifest.sizeBytes - index * manifest.chunkSize));
  const slots = store.getRawInto ? lendSlots(hasher, lengths) : [];
  let raw: boolean[] = [];
  try {
    if (slots.length > 0) raw = await store.getRawInto!(digests.slice(0, slots.length), slots.map((lent) => lent.bytes));
  } catch (err) {
    for (const lent of slots) lent.release();
    throw err;
  }
  return settleAll(extent.map(async (index, k): Promise<FetchedChunk> => {
    const lent = slots[k];
    if (lent && raw[k]) {
      const { digest } = await lent.hash(false).catch((err: unknown) => {
        lent.release();
        throw err;
      });
      if (digest === digests[k]) return { data: lent.bytes, release: () => lent.release() };
      lent.release();
      throw corrupt(digests[k]!, manifest.snapshotId, index);
    }
    lent?.release();
    return { data: await fetchVerified(store, digests[k]!, lengths[k]!, manifest.snapshotId, index, hasher) };
  }), (part) => part.release?.());
}

function corrupt(digest: string, snapshotId: string, index: number): EngineError {
  return new EngineError('ChunkCorrupt', `chunk ${index} (${digest}) of snapshot ${snapshotId} does not match its digest`);
}

/** Chunk `index` of a snapshot from `store`, checked against its length and digest (ChunkMissing / ChunkCorrupt). */
export async function fetchVerified(store: ChunkStore, digest: string, length: number, snapshotId: string, index: number,
  hasher: Hasher = syncHasher): Promise<Buffer> {
  const data = await store.get(digest);
  const where = `chunk ${index} (${digest}) of snapshot ${snapshotId}`;
  if (data === undefined) throw new EngineError('ChunkMissing', `${where} is missing from the chunk store`);
  if (data.length !== length || (await hasher(data, false)).digest !== digest) throw corrupt(digest, snapshotId, index);
  return data;
}
