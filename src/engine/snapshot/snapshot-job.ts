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
import { consecutiveRuns, runPlan } from '../support/index-runs.js';
import { forEachLimit } from '../support/pool.js';
import type { RangeReader } from '../volume/volume.js';
import { buildManifest, type Manifest } from './manifest.js';

export interface CaptureOptions {
  /** Chunks read, hashed and stored in parallel. */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
}

/** The uncaptured chunks, `size` at a time, in index order. */
function* uncapturedGroups(session: CbwSession, size: number): Generator<number[]> {
  let group: number[] = [];
  for (const index of session.uncapturedIndexes()) {
    group.push(index);
    if (group.length === size) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}

/**
 * Captures every remaining chunk of `session` from `volume` and makes the
 * records durable: about `concurrency` chunks in flight, in groups of one
 * run's worth; each run of consecutive chunks in a group is read with one call
 * (64 KiB chunks read one by one cost the main thread a thread-pool round trip
 * each).
 */
export async function captureRemaining(session: CbwSession, volume: RangeReader, options: CaptureOptions): Promise<void> {
  const { perRun, inFlight: groupsInFlight } = runPlan(session.header.chunkSize, options.concurrency);
  await forEachLimit(uncapturedGroups(session, perRun), groupsInFlight, async (group) => {
    await session.guestsSettled();
    session.assertActive();
    // Chunks to read in runs of consecutive ones; the others (inherited, never written) one by one.
    const reads: number[] = [];
    const others: number[] = [];
    for (const index of group) (session.readsChunk(volume, index) ? reads : others).push(index);
    await Promise.all([
      ...consecutiveRuns(reads).map((run) => session.captureRun(volume, run)),
      ...others.map((index) => session.capture(volume, index, false)),
    ]);
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
