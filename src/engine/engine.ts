/**
 * The block engine's facade: what services may ask of the bytes. Knows nothing
 * of accounts, orders, regions or the API; identifiers are opaque strings.
 *
 * Durability contract: every method that resolves has made its effect durable
 * (fsync'ed); every method is idempotent, so a job that crashed half-way can
 * call it again.
 */
import type { ExportResolver } from './block-device.js';

export interface ManifestInfo {
  /** Size of the snapshotted volume in bytes. */
  readonly sizeBytes: number;
  readonly chunkSize: number;
  /** Chunks that are not all-zero (each a stored, SHA-256-addressed chunk). */
  readonly dataChunks: number;
  /** Bytes newly written to the chunk store by this snapshot. */
  readonly storedBytes: number;
}

export class EngineError extends Error {
  constructor(
    readonly kind:
      | 'VolumeNotFound'
      | 'VolumeExists'
      | 'SessionBusy'
      | 'SessionNotFound'
      | 'ManifestNotFound'
      | 'ManifestCorrupt'
      | 'ChunkMissing'
      | 'ChunkCorrupt'
      | 'RegionNotFound',
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface BlockEngine {
  /** Creates a sparse volume of `sizeBytes`. Idempotent if it exists with that size. */
  createVolume(volumeId: string, sizeBytes: number): Promise<void>;
  /** Disconnects its NBD clients and removes the volume. Idempotent. */
  deleteVolume(volumeId: string): Promise<void>;
  volumeExists(volumeId: string): Promise<boolean>;
  /**
   * Grows the volume to `newSizeBytes` (the new range reads as zeroes and is
   * unallocated). Never shrinks: resolves at once if it is already at least
   * that large. NBD connections opened from now on see the new size; those
   * already open keep the size they negotiated (NBD cannot change it). Throws
   * VolumeNotFound, or SessionBusy while a snapshot of it is being taken.
   */
  resizeVolume(volumeId: string, newSizeBytes: number): Promise<void>;

  /**
   * Fixes the point-in-time content of `volumeId` for `snapshotId` and makes it
   * durable before resolving: from now on a write to a chunk the snapshot has
   * not read yet first preserves the chunk's old bytes (copy-before-write).
   * Throws EngineError('SessionBusy') if the volume already has a session.
   */
  beginSnapshot(volumeId: string, snapshotId: string): Promise<void>;
  /**
   * Reads the point-in-time image, stores its chunks, writes the manifest and
   * ends the session. Resumable after a crash; if the manifest already exists
   * it returns its info at once.
   */
  runSnapshot(snapshotId: string, signal?: AbortSignal): Promise<ManifestInfo>;
  /** Ends a session without a manifest (creation failed or was rolled back). Idempotent. */
  abortSnapshot(snapshotId: string): Promise<void>;
  /** Snapshot ids with an open copy-before-write session (for reconciliation at start). */
  listSessions(): Promise<string[]>;

  /** Info of a finished snapshot, or undefined. */
  manifestInfo(snapshotId: string): Promise<ManifestInfo | undefined>;
  /** Removes the manifest (chunks are left to garbage collection). Idempotent. */
  deleteSnapshot(snapshotId: string): Promise<void>;

  /**
   * Writes the snapshot's image into volume `volumeId` (created here if
   * missing, with `sizeBytes` >= the snapshot's size), verifying every chunk's
   * SHA-256. Idempotent. Throws ManifestNotFound / ChunkMissing / ChunkCorrupt.
   */
  restoreVolume(snapshotId: string, volumeId: string, sizeBytes: number, signal?: AbortSignal): Promise<void>;

  /**
   * Lazy restore: creates volume `volumeId` (`sizeBytes` >= the snapshot's
   * size) servable at once — reads of chunks not filled yet come from the chunk
   * store, verified; a write to one first fills it — with its fill state
   * durable. Idempotent (resolves at once if the volume exists). Throws
   * ManifestNotFound / ManifestCorrupt. `fillVolume` completes it.
   */
  beginLazyRestore(snapshotId: string, volumeId: string, sizeBytes: number): Promise<void>;
  /**
   * Fills every chunk of a lazily restored volume not filled yet (verified),
   * then ends its lazy state; resumable, idempotent (resolves at once for a
   * complete volume), cancelled by deleteVolume. Resolves the chunks this call
   * wrote. Throws VolumeNotFound / ChunkMissing / ChunkCorrupt.
   */
  fillVolume(volumeId: string, signal?: AbortSignal): Promise<{ chunksFilled: number }>;

  /**
   * Rolls volume `volumeId` back, in place, to the image of `snapshotId`:
   * rewrites only the chunks whose SHA-256 differs from the manifest (chunks
   * past the snapshot's size, if the volume grew since, become zeroes),
   * verifying every chunk read from the store, and fdatasyncs before
   * resolving. Idempotent and resumable; resolves the number of chunks
   * rewritten. The caller must keep the volume unserved meanwhile (the NBD
   * clients are dropped by the wrapper in volume-delete-hook.ts). Throws
   * ManifestNotFound / VolumeNotFound / ChunkMissing / ChunkCorrupt, or
   * SessionBusy while a snapshot of the volume is being taken.
   */
  resetVolume(snapshotId: string, volumeId: string, signal?: AbortSignal): Promise<{ chunksRewritten: number }>;

  /**
   * Deletes the stored chunks that no manifest, open session, lazy restore or
   * job in flight references (a snapshot being written that has just found a
   * chunk present keeps it). Optional: engines without a chunk store of their own.
   */
  collectGarbage?(signal?: AbortSignal): Promise<GarbageCollection>;
  /** Re-hashes every stored chunk; lists the damaged ones and those manifests reference that are missing. */
  scrub?(signal?: AbortSignal): Promise<ScrubResult>;

  /** The NBD view of the volumes (export name = volume id). */
  exports(): ExportResolver;
  close(): Promise<void>;
}

export interface GarbageCollection {
  readonly chunksDeleted: number;
  /** Bytes the deleted chunks took in storage (after compression). */
  readonly bytesFreed: number;
  /** Bytes of storage given back (a pack store frees space when it rewrites packs left mostly dead). */
  readonly bytesReclaimed?: number;
}

export interface ScrubResult {
  /** Stored chunks read and re-hashed. */
  readonly checked: number;
  /** Digests of stored chunks that do not decode or do not match their SHA-256. */
  readonly damaged: readonly string[];
  /** Digests referenced by a manifest but absent from the store. */
  readonly missing: readonly string[];
}

/** A snapshot in one region's engine. */
export interface RegionalSnapshotRef {
  readonly regionId: string;
  readonly snapshotId: string;
}

export interface SnapshotCopyResult {
  /** Chunks the destination's store lacked and that were copied into it. */
  readonly chunksCopied: number;
  readonly bytesCopied: number;
}

/**
 * One block engine per region (an ENS edge node): each has its own volumes,
 * chunk store and manifests, so data crosses regions only by copySnapshot.
 */
export interface RegionalEngines {
  readonly regionIds: readonly string[];
  /** The engine of `regionId`; throws EngineError('RegionNotFound') for a region this fleet does not hold. */
  region(regionId: string): BlockEngine;
  /**
   * Copies the finished snapshot `from` into another region as `to`: its
   * manifest, and only the chunks the destination's store lacks (each verified
   * against its SHA-256 on the way). Idempotent and resumable; resolves at once
   * if `to` already exists. Throws ManifestNotFound / ChunkMissing / ChunkCorrupt
   * / RegionNotFound.
   */
  copySnapshot(from: RegionalSnapshotRef, to: RegionalSnapshotRef, signal?: AbortSignal): Promise<SnapshotCopyResult>;
  /** The NBD view of every region's volumes (volume ids are unique across regions). */
  exports(): ExportResolver;
  close(): Promise<void>;
}
