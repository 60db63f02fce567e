/**
 * Materialises a manifest into a volume file: writes `<target>.restoring`
 * (sparse: zero chunks are skipped), verifying every chunk's length and
 * SHA-256, fsyncs it and renames it to `<target>` (then fsyncs the directory).
 * On any failure the partial file is removed, so `<target>` only ever appears
 * complete. The file is written with O_DIRECT where the file system allows it
 * (support/direct-io.ts): a whole volume is not pushed through the page cache.
 * Runs of consecutive data chunks are fetched together and written as one
 * extent of up to EXTENT_BYTES: with 64 KiB chunks a write per chunk costs the
 * disk far more than the bytes.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineError } from '../engine.js';
import type { ChunkStore } from '../chunks/chunk-store.js';
import { fsyncDir, writeFully } from '../support/durable-fs.js';
import { DirectWriter, openDirect } from '../support/direct-io.js';
import { forEachLimit } from '../support/pool.js';
import { syncHasher, type Hasher } from '../support/worker-pool.js';
import type { Manifest } from './manifest.js';
import { AllocationMap, allocationPathOf } from '../volume/allocation-map.js';

/** Largest write of consecutive chunks. */
export const EXTENT_BYTES = 1024 * 1024;

/** The data chunk indexes in runs of consecutive ones, each at most `perExtent` long. */
export function extentsOf(indexes: readonly number[], perExtent: number): number[][] {
  const extents: number[][] = [];
  let run: number[] = [];
  for (const index of indexes) {
    if (run.length > 0 && (index !== run[run.length - 1]! + 1 || run.length === perExtent)) {
      extents.push(run);
      run = [];
    }
    run.push(index);
  }
  if (run.length > 0) extents.push(run);
  return extents;
}

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
  const direct = await openDirect(partial);
  let fh: FileHandle | undefined = direct ?? await open(partial, 'w', 0o644);
  try {
    await fh.truncate(sizeBytes);
    const file = fh;
    const { chunkSize } = manifest;
    const perExtent = Math.max(1, Math.floor(EXTENT_BYTES / chunkSize));
    // About `concurrency` chunks in flight, as before, in extents.
    const extentsInFlight = Math.max(2, Math.ceil(options.concurrency / perExtent));
    const writer = direct && new DirectWriter(direct, extentsInFlight, perExtent * chunkSize);
    const indexes = manifest.chunks.flatMap((digest, index) => (digest === null ? [] : [index]));
    await forEachLimit(extentsOf(indexes, perExtent), extentsInFlight, async (extent) => {
      const parts = await Promise.all(extent.map((index) => {
        const length = Math.min(chunkSize, manifest.sizeBytes - index * chunkSize);
        return fetchVerified(options.store, manifest.chunks[index]!, length, manifest.snapshotId, index, options.hasher);
      }));
      const offset = extent[0]! * chunkSize;
      await (writer ? writer.write(parts, offset) : writeFully(file, Buffer.concat(parts), offset));
    }, options.signal);
    if (writer) await fh.truncate(sizeBytes); // a padded last chunk may have gone past the end
    await fh.sync();
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

/** Chunk `index` of a snapshot from `store`, checked against its length and digest (ChunkMissing / ChunkCorrupt). */
export async function fetchVerified(store: ChunkStore, digest: string, length: number, snapshotId: string, index: number,
  hasher: Hasher = syncHasher): Promise<Buffer> {
  const data = await store.get(digest);
  const where = `chunk ${index} (${digest}) of snapshot ${snapshotId}`;
  if (data === undefined) throw new EngineError('ChunkMissing', `${where} is missing from the chunk store`);
  if (data.length !== length || (await hasher(data, false)).digest !== digest) {
    throw new EngineError('ChunkCorrupt', `${where} does not match its digest`);
  }
  return data;
}
