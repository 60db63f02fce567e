/**
 * The snapshot job's reading half: captures every chunk of a session that no
 * guest write has captured yet (through the same per-chunk locks), then builds
 * the manifest from the session's records. Resumable: a reloaded session only
 * reads what it has not recorded.
 *
 * Incremental: with a baseline (baseline.ts) a chunk unchanged since the
 * parent snapshot is recorded with the parent's digest, unread. The others are
 * pipelined: up to `concurrency` chunks are in flight at once, each read (main
 * thread I/O) → hashed (the session's Hasher: the worker pool) → stored, so
 * reading, hashing and storing overlap and memory stays bounded by
 * `concurrency` chunk buffers.
 */
import type { CbwSession } from '../cbw/cbw-session.js';
import { forEachLimit } from '../support/pool.js';
import type { RangeReader } from '../volume/volume.js';
import { buildManifest, type Manifest } from './manifest.js';

export interface CaptureOptions {
  /** Chunks read, hashed and stored in parallel. */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
}

/** Captures every remaining chunk of `session` from `volume` and makes the records durable. */
export async function captureRemaining(session: CbwSession, volume: RangeReader, options: CaptureOptions): Promise<void> {
  await forEachLimit(session.uncapturedIndexes(), options.concurrency, async (index) => {
    await session.guestsSettled();
    session.assertActive();
    await session.capture(volume, index, false);
    session.assertActive();
  }, options.signal);
  session.assertActive();
  await session.storeStaged(options.concurrency, options.signal);
  session.assertActive();
  await session.sync();
}

/** The manifest of a fully captured session. */
export function manifestOf(session: CbwSession, createdAt: number): Manifest {
  const { snapshotId, volumeId, sizeBytes, chunkSize } = session.header;
  return buildManifest({
    snapshotId, volumeId, sizeBytes, chunkSize, createdAt,
    storedBytes: session.storedBytes(),
    chunks: session.digests(),
    parent: session.parentId,
    stats: { ...session.stats },
  });
}
