/**
 * The options of LocalBlockEngine and their defaults and checks.
 */
import type { Clock } from '../kernel/clock.js';
import type { ChunkStore } from './chunks/chunk-store.js';
import { DEFAULT_COMPRESSION_LEVEL } from './chunks/codec.js';

/**
 * 64 KiB: with pack files (chunks/pack/) the measured curve in docs/benchmarks.md is about flat in throughput
 * from 64 KiB to 1 MiB, and 64 KiB stores the least for small random changes (1.1× the changed bytes).
 */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const MIN_CHUNK_SIZE = 64 * 1024;
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024;
/**
 * Chunks a snapshot or restore job reads, hashes and writes in parallel: enough
 * to keep both cores and the disk busy (64 for 64 KiB chunks, 16 for 1 MiB),
 * with at most about 16 MiB of chunk buffers in flight (4 for 4 MiB chunks).
 */
export function defaultJobConcurrency(chunkSize: number): number {
  return Math.min(64, Math.max(4, Math.floor((16 * 1024 * 1024) / chunkSize)));
}

export interface LocalBlockEngineOptions {
  readonly dataDir: string;
  /** Chunk size for new snapshots: a power of two from 64 KiB to 4 MiB (default 64 KiB). */
  readonly chunkSize?: number;
  readonly clock: Clock;
  /** Another chunk store instead of `<dataDir>/chunks` (tests, fault injection, remote stores). */
  readonly chunkStore?: ChunkStore;
  /** zstd level of the filesystem chunk store: 0 (off) to 19; default 1. */
  readonly compressionLevel?: number;
  /** Chunks per job in flight (default: defaultJobConcurrency). */
  readonly concurrency?: number;
  /** Told about recoverable problems found at start (an unreadable session file set aside). */
  readonly onWarning?: (message: string) => void;
  /** How long a chunk put or found present is spared by GC (default 5 min); smaller risks slow writers: gc/README.md. */
  readonly gcSafetyMarginMs?: number;
}

export function assertChunkSize(chunkSize: number): void {
  const powerOfTwo = Number.isSafeInteger(chunkSize) && chunkSize > 0 && (chunkSize & (chunkSize - 1)) === 0;
  if (!powerOfTwo || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunk size ${chunkSize} must be a power of two from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`);
  }
}

export function assertSize(sizeBytes: number): void {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) throw new RangeError(`invalid volume size ${sizeBytes}`);
}

/**
 * The zstd level the hashing threads encode chunk files at: the level of the
 * store the engine makes itself; none for a given store (its level is its own).
 */
export function encodeLevelOf(options: LocalBlockEngineOptions): number | undefined {
  return options.chunkStore ? undefined : (options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL);
}
