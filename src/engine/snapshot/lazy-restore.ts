/**
 * The durable state of a lazy restore: a volume made from a snapshot that is
 * served at once while its chunks are filled in (see volume/lazy-volume.ts for
 * the read/write path, lazy-fill.ts for the table and the fill loop).
 *
 * Files beside the volume (`<id>.raw`):
 *   <id>.lazy     the source manifest, copied (checksummed; the fill does not
 *                 depend on the snapshot's own manifest staying)
 *   <id>.filled   one bit per source chunk, set durably once the chunk's bytes
 *                 are in `<id>.raw` (fdatasync'ed first); the allocation-map
 *                 format (volume/allocation-map.ts). Zero chunks start set.
 *
 * Creation order: `.lazy`, `.filled`, `.alloc` (data chunks allocated), then
 * the sparse `.raw` appears by rename — a volume never exists without its fill
 * state. The fill's commit point is the removal of `.lazy`; `.filled` goes
 * after it. At start, fill state without a `.raw` is a creation that never
 * finished, and a `.filled` without `.lazy` a fill that did: both are removed.
 */
import { open, readFile } from 'node:fs/promises';
import type { ChunkStore } from '../chunks/chunk-store.js';
import { EngineError } from '../engine.js';
import { isNotFound, unlinkDurable, writeFileDurable } from '../support/durable-fs.js';
import { KeyedMutex } from '../support/keyed-mutex.js';
import { AllocationMap, allocationPathOf } from '../volume/allocation-map.js';
import { GuestReads, type LazySource } from '../volume/lazy-volume.js';
import { publishSparseFile } from '../volume/volume-files.js';
import { decodeManifest, type Manifest } from './manifest.js';
import { fetchExtent, fetchVerified, type FetchedChunk } from './restore.js';
import { syncHasher, type Hasher } from '../support/worker-pool.js';

export interface LazyPaths {
  readonly raw: string;
  readonly lazy: string;
  readonly filled: string;
}

export function lazyPathsOf(volumePath: string): LazyPaths {
  const base = volumePath.replace(/\.raw$/, '');
  return { raw: volumePath, lazy: `${base}.lazy`, filled: `${base}.filled` };
}

export class LazyRestore implements LazySource {
  readonly locks = new KeyedMutex<number>();
  readonly guestReads = new GuestReads();

  private constructor(
    readonly volumeId: string,
    readonly manifest: Manifest,
    private readonly map: AllocationMap,
    private readonly store: ChunkStore,
    private readonly paths: LazyPaths,
    /** Verifies fetched chunks (the engine's hashing threads). */
    private readonly hasher: Hasher,
  ) {}

  /**
   * Writes the fill state of volume `volumeId` (to be `sizeBytes`) served
   * from `manifest`, and its allocation map, durably; the volume does not
   * exist yet (`publish` makes it). The caller holds the volume's lock and has
   * checked that the volume does not exist.
   */
  static async prepare(volumeId: string, manifest: Manifest, paths: LazyPaths, sizeBytes: number, store: ChunkStore,
    tempDir: string, hasher: Hasher = syncHasher): Promise<LazyRestore> {
    await writeFileDurable(paths.lazy, Buffer.from(JSON.stringify(manifest)), tempDir);
    const zero = manifest.chunks.flatMap((digest, index) => (digest === null ? [index] : []));
    const data = manifest.chunks.flatMap((digest, index) => (digest === null ? [] : [index]));
    await AllocationMap.create(paths.filled, manifest.sizeBytes, manifest.chunkSize, zero);
    await AllocationMap.create(allocationPathOf(paths.raw), sizeBytes, manifest.chunkSize, data);
    return LazyRestore.open(volumeId, manifest, paths, store, hasher);
  }

  /** Makes the volume appear: a sparse `<id>.raw` of `sizeBytes`, by rename, durably. */
  async publish(sizeBytes: number, tempDir: string): Promise<void> {
    await publishSparseFile(this.paths.raw, sizeBytes, tempDir);
  }

  /**
   * The fill state of the volume at `paths.raw`, or undefined if it has none
   * (a plain or completely filled volume; leftovers are removed). Throws
   * ManifestCorrupt if `.lazy` or `.filled` is unreadable: guessing either way
   * would serve wrong bytes or overwrite the guest's.
   */
  static async load(volumeId: string, paths: LazyPaths, store: ChunkStore, hasher: Hasher = syncHasher):
    Promise<LazyRestore | undefined> {
    let text: string;
    try {
      text = await readFile(paths.lazy, 'utf8');
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await unlinkDurable(paths.filled);
      return undefined;
    }
    if (!(await exists(paths.raw))) {
      await unlinkDurable(paths.lazy);
      await unlinkDurable(paths.filled);
      return undefined;
    }
    return LazyRestore.open(volumeId, decodeManifest(text, `${volumeId}.lazy`), paths, store, hasher);
  }

  private static async open(volumeId: string, manifest: Manifest, paths: LazyPaths, store: ChunkStore, hasher: Hasher):
    Promise<LazyRestore> {
    const map = await AllocationMap.open(paths.filled);
    // A missing or malformed map opens as "all set": for fill bits that would serve zeroes. Refuse.
    if (map.granularity !== manifest.chunkSize) {
      await map.close();
      throw new EngineError('ManifestCorrupt', `fill state ${paths.filled} of volume ${volumeId} is missing or corrupt`);
    }
    return new LazyRestore(volumeId, manifest, map, store, paths, hasher);
  }

  get snapshotId(): string {
    return this.manifest.snapshotId;
  }

  get chunkSize(): number {
    return this.manifest.chunkSize;
  }

  get chunkCount(): number {
    return this.manifest.chunks.length;
  }

  isFilled(index: number): boolean {
    return index >= this.chunkCount || !this.map.isUnallocated(index * this.chunkSize, 1);
  }

  fetch(index: number): Promise<Buffer> {
    const digest = this.manifest.chunks[index];
    const offset = index * this.chunkSize;
    const length = Math.min(this.chunkSize, this.manifest.sizeBytes - offset);
    if (digest === null || digest === undefined) return Promise.resolve(Buffer.alloc(Math.max(0, length)));
    return fetchVerified(this.store, digest, length, this.manifest.snapshotId, index, this.hasher);
  }

  fetchRun(indexes: readonly number[]): Promise<FetchedChunk[]> {
    if (indexes.some((index) => !this.manifest.chunks[index])) {
      return Promise.all(indexes.map(async (index) => ({ data: await this.fetch(index) })));
    }
    return fetchExtent(this.manifest, indexes, { store: this.store, hasher: this.hasher });
  }

  markFilled(index: number): Promise<void> {
    return this.map.markAllocated(index * this.chunkSize, 1);
  }

  /** Indexes of the chunks not filled yet, ascending. */
  unfilled(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.chunkCount; i++) if (!this.isFilled(i)) out.push(i);
    return out;
  }

  /** Ends the lazy state (every chunk filled and synced, or the volume deleted): removes its files durably. */
  async remove(): Promise<void> {
    await this.map.close();
    await unlinkDurable(this.paths.lazy); // the commit point
    await unlinkDurable(this.paths.filled);
  }

  /** Closes the fill map; the files stay (engine closing). */
  close(): Promise<void> {
    return this.map.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await open(path, 'r')).close();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
