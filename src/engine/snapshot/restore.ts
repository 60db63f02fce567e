/**
 * Materialises a manifest into a volume file: writes `<target>.restoring`
 * (sparse: zero chunks are skipped), verifying every chunk's length and
 * SHA-256, fsyncs it and renames it to `<target>` (then fsyncs the directory).
 * On any failure the partial file is removed, so `<target>` only ever appears
 * complete. The file is written with O_DIRECT where the file system allows it
 * (support/direct-io.ts): a whole volume is not pushed through the page cache.
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
    const writer = direct && new DirectWriter(direct, options.concurrency, manifest.chunkSize);
    const indexes = manifest.chunks.flatMap((digest, index) => (digest === null ? [] : [index]));
    await forEachLimit(indexes, options.concurrency, async (index) => {
      const offset = index * manifest.chunkSize;
      const length = Math.min(manifest.chunkSize, manifest.sizeBytes - offset);
      const data = await fetchVerified(options.store, manifest.chunks[index]!, length, manifest.snapshotId, index,
        options.hasher);
      await (writer ? writer.write(data, offset) : writeFully(file, data, offset));
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
