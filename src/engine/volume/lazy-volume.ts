/**
 * The read/write path of a volume whose restore is still being filled in (a
 * lazy restore, see snapshot/lazy-restore.ts): installed on the Volume as its
 * ReadThrough.
 *
 * - A read overlays, on the file's bytes, the verified source bytes of every
 *   chunk it touches that is not filled yet (nothing is written).
 * - A mutation first fills every unfilled chunk it touches — source bytes
 *   verified, written to the file, fdatasync'ed, then the chunk's fill bit made
 *   durable — and only then is applied, so the part of the chunk it does not
 *   overwrite keeps the restored bytes, and a resumed fill never overwrites it.
 *
 * `fillChunk` is also what the background fill runs; a per-chunk lock (shared
 * through the source) keeps a guest fill and the job's fill of one chunk apart.
 */
import { consecutiveRuns } from '../support/index-runs.js';
import { settleAll } from '../support/pool.js';
import type { KeyedMutex } from '../support/keyed-mutex.js';
import type { ReadThrough, Volume } from './volume.js';

/** Where the not-yet-filled chunks come from, and which are filled (durably). */
export interface LazySource {
  /** Granularity of the fill (the source snapshot's chunk size). */
  readonly chunkSize: number;
  /** Chunks the source covers; chunks past it are always filled (zeroes, or written since a resize). */
  readonly chunkCount: number;
  readonly locks: KeyedMutex<number>;
  /** Guest reads that wait on the source: the background fill steps back while there are any. */
  readonly guestReads: GuestReads;
  isFilled(index: number): boolean;
  /** The chunk's source bytes, verified (length and SHA-256); may be shorter than `chunkSize` for the last chunk. */
  fetch(index: number): Promise<Buffer>;
  /** `fetch` of consecutive chunks at once; each part's `release` (if any) gives back the memory it lies in. */
  fetchRun(indexes: readonly number[]): Promise<{ readonly data: Buffer; readonly release?: () => void }[]>;
  /** Makes chunk `index` filled, durably, before resolving. */
  markFilled(index: number): Promise<void>;
}

/**
 * Fills chunk `index` of `volume` from `source` unless already filled;
 * resolves true if it wrote it. With `commit` false (the background fill's
 * batches) the bytes are written but neither synced nor marked: the caller
 * fdatasyncs the volume, then marks the batch. Meanwhile the chunk still
 * counts as unfilled, so a guest write to it fills it again (the same bytes)
 * and commits it itself before applying the write.
 */
export async function fillChunk(source: LazySource, volume: Volume, index: number, commit = true): Promise<boolean> {
  if (index >= source.chunkCount || source.isFilled(index)) return false;
  return source.locks.run(index, async () => {
    if (source.isFilled(index)) return false;
    const data = await source.fetch(index);
    await volume.writeRaw(index * source.chunkSize, data);
    if (!commit) return true;
    // The bytes before the bit: a durable bit over missing bytes would serve zeroes after a crash.
    await volume.datasync();
    await source.markFilled(index);
    return true;
  });
}

/** Runs `fn` holding the locks of `keys` (taken in the order given: callers give them ascending). */
function withLocks<T>(locks: KeyedMutex<number>, keys: readonly number[], fn: () => Promise<T>): Promise<T> {
  return keys.length === 0 ? fn() : locks.run(keys[0]!, () => withLocks(locks, keys.slice(1), fn));
}

/**
 * The guest reads of a lazily restored volume that wait on the source. The
 * background fill yields to them: while any is in flight it fills one extent
 * per few completed reads (`yieldTo`), so a guest reading the disk gets the
 * CPU and the store first, and the fill still moves on however long it reads.
 */
export class GuestReads {
  private running = 0;
  private completed = 0;
  private waiters: (() => void)[] = [];

  get inFlight(): number {
    return this.running;
  }

  begin(): void {
    this.running++;
  }

  end(): void {
    this.running--;
    this.completed++;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once no guest read is in flight, or `reads` more have completed. */
  async yieldTo(reads: number): Promise<void> {
    const target = this.completed + reads;
    while (this.running > 0 && this.completed < target) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/** Writes `parts`, one after another, at `offset` of the volume being filled. */
export type FillWrite = (offset: number, parts: readonly Buffer[]) => Promise<void>;

/**
 * `fillChunk` without commit for consecutive chunks `run` (ascending): under
 * their locks, the unfilled ones are fetched together and written with one
 * call of `write` (by default the volume's own) per stretch of consecutive
 * ones. Resolves the indexes it wrote.
 */
export async function fillRun(source: LazySource, volume: Volume, run: readonly number[],
  write: FillWrite = (offset, parts) => volume.writeRaw(offset, parts)): Promise<number[]> {
  return withLocks(source.locks, run, async () => {
    const todo = run.filter((index) => index < source.chunkCount && !source.isFilled(index));
    await Promise.all(consecutiveRuns(todo).map(async (stretch) => {
      const parts = await source.fetchRun(stretch);
      try {
        await write(stretch[0]! * source.chunkSize, parts.map((part) => part.data));
      } finally {
        for (const part of parts) part.release?.();
      }
    }));
    return todo;
  });
}

export class LazyVolume implements ReadThrough {
  constructor(
    private readonly source: LazySource,
    private readonly volume: Volume,
  ) {}

  /**
   * Unfilled chunks are fetched in runs of consecutive ones (read from the
   * store together, verified on the hashing threads); the file is read only
   * when the source does not cover the whole range (filled chunks, a source
   * shorter than the volume): its unfilled chunks are holes, and reading a
   * hole costs a zeroed page in the page cache for nothing.
   */
  async read(offset: number, length: number, fromFile: (offset: number, length: number) => Promise<Buffer>):
    Promise<Buffer> {
    const missing = this.unfilledIn(offset, length);
    if (missing.length === 0) return fromFile(offset, length);
    this.source.guestReads.begin();
    try {
      return await this.readMissing(offset, length, missing, fromFile);
    } finally {
      this.source.guestReads.end();
    }
  }

  private async readMissing(offset: number, length: number, missing: readonly number[],
    fromFile: (offset: number, length: number) => Promise<Buffer>): Promise<Buffer> {
    const runs = consecutiveRuns(missing).map((run) => this.source.fetchRun(run));
    const parts = (await settleAll(runs, (run) => run.forEach((part) => part.release?.()))).flat();
    try {
      const { chunkSize } = this.source;
      const spans = parts.map((part, k) => {
        const chunkStart = missing[k]! * chunkSize;
        const start = Math.max(offset, chunkStart);
        const end = Math.min(offset + length, chunkStart + part.data.length);
        return { part, chunkStart, start, end: Math.max(start, end) };
      });
      const out = Buffer.allocUnsafe(length);
      // The file's buffer may be shared (zeroes): copied, then the source's bytes laid over it.
      if (spans.reduce((n, s) => n + s.end - s.start, 0) < length) (await fromFile(offset, length)).copy(out, 0, 0, length);
      for (const { part, chunkStart, start, end } of spans) {
        part.data.copy(out, start - offset, start - chunkStart, end - chunkStart);
      }
      return out;
    } finally {
      for (const part of parts) part.release?.();
    }
  }

  async beforeMutate(offset: number, length: number): Promise<void> {
    for (const index of this.unfilledIn(offset, length)) await fillChunk(this.source, this.volume, index);
  }

  /** Chunks of the source touching `[offset, offset + length)` not filled yet, ascending. */
  private unfilledIn(offset: number, length: number): number[] {
    if (length <= 0) return [];
    const { chunkSize, chunkCount } = this.source;
    const first = Math.floor(offset / chunkSize);
    const last = Math.min(chunkCount - 1, Math.floor((offset + length - 1) / chunkSize));
    const out: number[] = [];
    for (let i = first; i <= last; i++) if (!this.source.isFilled(i)) out.push(i);
    return out;
  }
}
