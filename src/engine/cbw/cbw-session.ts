/**
 * One copy-before-write session: the point-in-time image of one volume for one
 * snapshot, kept intact while the volume stays writable.
 *
 * Each chunk is captured exactly once: its bytes at capture time are hashed,
 * stored (unless all zero) and recorded in the session log. A guest mutation
 * of a chunk not captured yet captures it first — and waits until the record
 * is durable — before the mutation is applied, so the captured bytes are the
 * point-in-time bytes. The snapshot job captures the remaining chunks the same
 * way. A per-chunk lock keeps a guest capture and the job's capture of one
 * chunk from interleaving; different chunks proceed concurrently.
 *
 * Durability order for a guest write: read old bytes → hash → park them in
 * the session's stage file → grouped fdatasync of it → release → apply the
 * write; the job stores parked chunks later (`storeStaged`) and records them.
 * The job's own captures are stored (names synced lazily) and recorded in the
 * log, synced by group commit; a guest write to a chunk whose record is not
 * durable yet syncs the store and the log before proceeding.
 */
import { EngineError } from '../engine.js';
import { isAllZero, type ChunkStore } from '../chunks/chunk-store.js';
import { lendSlots, syncHasher, type Hasher, type HashResult, type LentSlot } from '../support/worker-pool.js';
import { unlinkDurable } from '../support/durable-fs.js';
import { KeyedMutex } from '../support/keyed-mutex.js';
import type { ChangeSet } from '../volume/dirty-map.js';
import type { Baseline } from './session-changes.js';
import type { RangeReader, Volume, WriteGuard } from '../volume/volume.js';
import { SessionFileCorrupt, SessionLog, type CaptureRecord, type SessionHeader } from './session-log.js';
import { StagedCaptures, stagePathOf } from './staged-captures.js';
import type { StagedChunk } from './stage-file.js';
import { forEachLimit, settleAll } from '../support/pool.js';

const DEFER_SYNC = { deferSync: true } as const;

/** What this session did in this process (for ManifestInfo). */
export interface CaptureStats {
  chunksRead: number;
  bytesRead: number;
  chunksInherited: number;
}

interface Captured {
  readonly record: CaptureRecord;
  /** The record's number in the log; 0 for a chunk parked in the stage file (durable there). */
  readonly seq: number;
}

/** A chunk read for capture: its digest and bytes (and its chunk file, if the hasher encoded it). */
type ReadChunk = HashResult;

export class CbwSession implements WriteGuard {
  private readonly captured = new Map<number, Captured>();
  private readonly locks = new KeyedMutex<number>();
  /** The job's captures in flight: their read (old bytes and digest), for guest writes to park (parkJobRead). */
  private readonly jobReads = new Map<number, Promise<CaptureRecord | ReadChunk>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly volumes = new Set<Volume>();
  private drained: Promise<void> = Promise.resolve();
  private ending: Promise<void> | undefined;
  private baseline: Baseline | undefined;
  /** The change set taken over from the volume (given back if the session does not complete). */
  changes: ChangeSet | undefined;
  readonly stats: CaptureStats = { chunksRead: 0, bytesRead: 0, chunksInherited: 0 };

  private constructor(
    readonly header: SessionHeader,
    private readonly log: SessionLog,
    private readonly store: ChunkStore,
    private readonly hasher: Hasher,
    private readonly staging: StagedCaptures,
  ) {}

  /** Creates the session file durably; the session captures nothing until attached. */
  static async create(path: string, header: SessionHeader, store: ChunkStore, tempDir: string,
    hasher: Hasher = syncHasher): Promise<CbwSession> {
    const staging = new StagedCaptures(stagePathOf(path), header.chunkSize);
    return new CbwSession(header, await SessionLog.create(path, header, tempDir), store, hasher, staging);
  }

  /** Reloads a session after a restart, with every chunk it had captured. */
  static async load(path: string, store: ChunkStore, hasher: Hasher = syncHasher): Promise<CbwSession> {
    const { log, header, records, changes } = await SessionLog.load(path);
    const recorded = new Set(records.map((r) => r.index));
    let staging: StagedCaptures;
    try {
      staging = await StagedCaptures.load(stagePathOf(path), header.chunkSize, hasher, (index) => recorded.has(index));
    } catch (err) {
      await log.close();
      throw err;
    }
    const session = new CbwSession(header, log, store, hasher, staging);
    session.changes = changes;
    const parked = staging.pendingChunks().map(({ index, digest }) => ({ index, digest, stored: false }));
    for (const record of [...records, ...parked]) {
      if (record.index >= session.chunkCount) {
        await session.end();
        throw new SessionFileCorrupt(path, `chunk index ${record.index} out of range`);
      }
      if (!session.captured.has(record.index)) session.captured.set(record.index, { record, seq: 0 }); // synced by load
    }
    return session;
  }

  get snapshotId(): string {
    return this.header.snapshotId;
  }

  get volumeId(): string {
    return this.header.volumeId;
  }

  get chunkCount(): number {
    return Math.ceil(this.header.sizeBytes / this.header.chunkSize);
  }

  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** Byte range of chunk `index` (the last chunk may be shorter). */
  chunkRange(index: number): { offset: number; length: number } {
    const offset = index * this.header.chunkSize;
    return { offset, length: Math.min(this.header.chunkSize, this.header.sizeBytes - offset) };
  }

  /** Indexes of the chunks not captured yet, ascending. */
  uncaptured(): number[] {
    return [...this.uncapturedIndexes()];
  }

  /** The same, lazily (no array of every index for huge volumes). */
  *uncapturedIndexes(): Generator<number> {
    for (let i = 0; i < this.chunkCount; i++) if (!this.captured.has(i)) yield i;
  }

  /** Lets captures take unchanged chunks' digests from the parent snapshot (same chunk size). */
  setBaseline(baseline: Baseline | undefined): void {
    this.baseline = baseline;
  }

  /** The parent snapshot in use, or null (full read). */
  get parentId(): string | null {
    return this.baseline?.snapshotId ?? null;
  }

  /** The parent's digest of chunk `index` if the chunk is unchanged since the parent, else undefined. */
  private inherited(index: number): string | null | undefined {
    const base = this.baseline;
    if (!base || base.changed.has(index) || index >= base.chunks.length) return undefined;
    const { offset, length } = this.chunkRange(index);
    // A chunk the parent saw shorter (the volume grew since) must be read.
    return offset + length <= base.sizeBytes ? base.chunks[index] : undefined;
  }

  /**
   * Starts guarding `volume`. Resolves when the mutations that were already in
   * flight have finished (captures wait for that too). Attaching twice to one
   * Volume object is a no-op.
   */
  attachTo(volume: Volume): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (!this.volumes.has(volume)) {
      this.volumes.add(volume);
      const drain = volume.attachGuard(this);
      const previous = this.drained;
      this.drained = Promise.all([previous, drain]).then(() => undefined);
    }
    return this.drained;
  }

  async beforeMutate(volume: RangeReader, offset: number, length: number): Promise<void> {
    if (this.ended || length <= 0) return;
    const { chunkSize } = this.header;
    const first = Math.floor(offset / chunkSize);
    const last = Math.min(this.chunkCount - 1, Math.floor((offset + length - 1) / chunkSize));
    // Concurrently: the chunks' parks then share one grouped fdatasync (a capture takes one chunk's lock at a time).
    const captures: Promise<void>[] = [];
    for (let i = first; i <= last; i++) captures.push(this.capture(volume, i, true));
    await settleAll(captures);
  }

  /**
   * Captures chunk `index` from `volume` unless already captured. With
   * `durable`, resolves only once its record is on stable storage. Resolves
   * without capturing if the session has ended.
   */
  capture(volume: RangeReader, index: number, durable: boolean): Promise<void> {
    if (this.ended) return Promise.resolve();
    return this.tracked(this.captureLocked(volume, index, durable));
  }

  /** Whether capturing chunk `index` reads it (not inherited from the parent, not known to be zero). */
  readsChunk(volume: RangeReader, index: number): boolean {
    const { offset, length } = this.chunkRange(index);
    return this.inherited(index) === undefined && !volume.isUnallocated?.(offset, length);
  }

  /**
   * The job's capture of consecutive chunks that all need reading (readsChunk):
   * one read of the run into slots lent by the hasher, then each chunk hashed
   * where it lies and recorded under its own lock. Read outside the locks: a
   * chunk no capture has recorded by the time its lock is taken has not been
   * written since the point in time (every mutation captures first), so the
   * run's bytes of it are the point-in-time bytes; one captured meanwhile is
   * skipped. Chunks no slot was free for are captured one by one.
   */
  async captureRun(volume: RangeReader, indexes: readonly number[]): Promise<void> {
    if (this.ended) return;
    const slots = volume.readvInto ? lendSlots(this.hasher, indexes.map((i) => this.chunkRange(i).length)) : [];
    const run = indexes.slice(0, slots.length);
    const rest = indexes.slice(slots.length).map((index) => this.capture(volume, index, false));
    await Promise.all([...rest, run.length > 0 && this.tracked(this.captureRead(volume, run, slots))]);
  }

  private async captureRead(volume: RangeReader, run: readonly number[], slots: readonly LentSlot[]): Promise<void> {
    await this.drained; // never rejects (attachGuard settles)
    const read = volume.readvInto!(this.chunkRange(run[0]!).offset, slots.map((lent) => lent.bytes));
    const results = run.map(async (index, k) => {
      const lent = slots[k]!;
      const reading = read.then<CaptureRecord | ReadChunk>(() => {
        this.stats.chunksRead++;
        this.stats.bytesRead += lent.bytes.length;
        return isAllZero(lent.bytes) ? { index, digest: null, stored: false } : lent.hash(true);
      });
      reading.catch(() => undefined); // awaited later (under the lock): a failed read must not go unhandled meanwhile
      this.jobReads.set(index, reading);
      try {
        await this.locks.run(index, async () => {
          if (!this.captured.has(index) && !this.ended) await this.recordRead(index, await reading);
        });
      } finally {
        this.jobReads.delete(index);
        await reading.catch(() => undefined); // a thread may still be hashing in the slot
        lent.release(); // after `captured` is set: see parkJobRead
      }
    });
    await settleAll(results);
  }

  /** Records a job's read of chunk `index` (storing its bytes first), under the chunk's lock. */
  private async recordRead(index: number, found: CaptureRecord | ReadChunk): Promise<void> {
    // The chunk's name is synced before the log that records it (sync()).
    const record = 'data' in found ? { index, digest: found.digest, stored: await this.putChunk(found) } : found;
    this.captured.set(index, { record, seq: await this.log.append(record) });
    this.staging.done(index); // a guest write may have parked the same bytes meanwhile
  }

  /** `running`, awaited by `end()` while in flight. */
  private tracked<T>(running: Promise<T>): Promise<T> {
    this.inflight.add(running);
    const forget = (): void => void this.inflight.delete(running);
    running.then(forget, forget);
    return running;
  }

  private async captureLocked(volume: RangeReader, index: number, durable: boolean): Promise<void> {
    const known = this.captured.get(index);
    if (known) return this.makeDurable(known, durable);
    const jobRead = durable ? this.jobReads.get(index) : undefined;
    if (jobRead && (await this.parkJobRead(index, jobRead))) return;
    await this.locks.run(index, async () => {
      await this.drained;
      const again = this.captured.get(index);
      if (again) return this.makeDurable(again, durable);
      if (this.ended) return;
      if (durable) return this.captureForGuest(volume, index);
      const reading = this.readChunk(volume, index, true);
      this.jobReads.set(index, reading);
      try {
        await this.recordRead(index, await reading);
      } finally {
        this.jobReads.delete(index);
      }
    });
  }

  /** A guest write is waiting: park the bytes (one grouped fdatasync); the job stores them (storeStaged). */
  private async captureForGuest(volume: RangeReader, index: number): Promise<void> {
    const found = await this.readChunk(volume, index, false);
    if (!('data' in found)) {
      const entry = { record: found, seq: await this.log.append(found) };
      this.captured.set(index, entry);
      return this.makeDurable(entry, true);
    }
    await this.staging.park(index, found.digest, found.data);
    this.captured.set(index, { record: { index, digest: found.digest, stored: false }, seq: 0 });
  }

  /**
   * A guest write to a chunk the job is capturing: once the job has read the
   * old bytes the guest parks them itself rather than wait for the job to
   * store them. False if there is nothing to park (a zero or inherited chunk,
   * or a failed read): the caller waits for the job instead.
   */
  private async parkJobRead(index: number, jobRead: Promise<CaptureRecord | ReadChunk>): Promise<boolean> {
    const found = await jobRead.catch(() => undefined);
    if (!found || !('data' in found) || this.ended) return false;
    const known = this.captured.get(index);
    if (known) {
      await this.makeDurable(known, true);
      return true;
    }
    // The job releases a lent slot only after recording the chunk, or after failing to: then wait for the job.
    if (found.lent?.released) return false;
    // Copied now, synchronously: the job may release the slot while the park is being written.
    const data = found.lent ? Buffer.from(found.data) : found.data;
    await this.staging.park(index, found.digest, data);
    if (this.captured.has(index)) this.staging.done(index); // the job recorded it meanwhile
    else this.captured.set(index, { record: { index, digest: found.digest, stored: false }, seq: 0 });
    return true;
  }

  /**
   * Chunk `index`: a record needing no store (inherited from the parent, or
   * zero), or its bytes and digest — and its encoded file with `encode` (the
   * job stores it; a guest capture parks raw bytes and must not wait for zstd).
   */
  private async readChunk(volume: RangeReader, index: number, encode: boolean): Promise<CaptureRecord | ReadChunk> {
    const inherited = this.inherited(index);
    if (inherited !== undefined) {
      this.stats.chunksInherited++;
      return { index, digest: inherited, stored: false };
    }
    const { offset, length } = this.chunkRange(index);
    // A never-written chunk is a zero chunk: no read, no hash, nothing stored.
    if (volume.isUnallocated?.(offset, length)) return { index, digest: null, stored: false };
    const read = await volume.read(offset, length);
    this.stats.chunksRead++;
    this.stats.bytesRead += length;
    if (isAllZero(read)) return { index, digest: null, stored: false };
    return this.hasher(read, encode);
  }

  /** Stores a read chunk (as encoded on the hashing thread when it was); its name is synced before the log (sync()). */
  private async putChunk(found: ReadChunk): Promise<boolean> {
    if (found.encoded && this.store.putEncoded) {
      return (await this.store.putEncoded(found.digest, found.encoded, DEFER_SYNC)).stored;
    }
    return this.store.put(found.digest, found.data, DEFER_SYNC);
  }

  /**
   * Resolves when no guest write is parking a chunk: the job lets guest
   * writes have the disk first. Each chunk is parked at most once, so this
   * delays the job by at most one pass of the guests over the volume.
   */
  guestsSettled(): Promise<void> {
    return this.staging.settled();
  }

  /** Chunks guest writes parked in the stage file and not stored yet. */
  get stagedPending(): number {
    return this.staging.size;
  }

  /** Chunks guest writes parked in the stage file in this process. */
  get stagedTotal(): number {
    return this.staging.parked;
  }

  /** Stores the chunks parked in the stage file and records them (durable at the next `sync()`). */
  async storeStaged(concurrency: number, signal?: AbortSignal): Promise<void> {
    await forEachLimit(this.staging.pendingChunks(), concurrency, async (chunk) => {
      this.assertActive();
      const stored = await this.storeParked(chunk);
      const record = { index: chunk.index, digest: chunk.digest, stored };
      this.captured.set(chunk.index, { record, seq: await this.log.append(record) });
      this.staging.done(chunk.index);
    }, signal);
  }

  /**
   * Stores a parked chunk as encoded on a hashing thread (read straight into a
   * lent slot where one is free), which re-checks the bytes against the digest
   * they were parked with: the main thread neither compresses nor copies them.
   */
  private async storeParked(chunk: StagedChunk): Promise<boolean> {
    const lent = this.hasher.lend?.(chunk.length);
    try {
      let found: ReadChunk;
      if (lent) {
        await this.staging.readInto(chunk, lent.bytes);
        found = await lent.hash(true);
      } else {
        found = await this.hasher(await this.staging.read(chunk), true);
      }
      if (found.digest !== chunk.digest) {
        throw new EngineError('ChunkCorrupt', `chunk ${chunk.index} of snapshot ${this.snapshotId}, parked by a guest `
          + 'write, does not match its digest');
      }
      return await this.putChunk(found);
    } finally {
      lent?.release();
    }
  }

  private async makeDurable(entry: Captured, durable: boolean): Promise<void> {
    if (durable && !this.log.isDurable(entry.seq)) await this.sync();
  }

  /** Makes every record appended so far durable: the chunks they name first, then the log. */
  async sync(): Promise<void> {
    await this.store.sync?.();
    await this.log.sync();
  }

  /** The ordered digest list (null = zero chunk). Throws unless every chunk is captured. */
  digests(): (string | null)[] {
    if (this.staging.size > 0) throw new Error(`session ${this.snapshotId}: ${this.staging.size} staged chunks not stored`);
    return Array.from({ length: this.chunkCount }, (_, i) => {
      const entry = this.captured.get(i);
      if (!entry) throw new Error(`session ${this.snapshotId}: chunk ${i} not captured`);
      return entry.record.digest;
    });
  }

  /** Bytes this session newly wrote to the chunk store. */
  storedBytes(): number {
    let total = 0;
    for (const { record } of this.captured.values()) if (record.stored) total += this.chunkRange(record.index).length;
    return total;
  }

  /** Throws EngineError('SessionNotFound') if the session has ended (aborted, volume deleted, engine closed). */
  assertActive(): void {
    if (this.ended) throw new EngineError('SessionNotFound', `snapshot session ${this.snapshotId} has ended`);
  }

  /**
   * Stops guarding (detaches from its volumes), waits for captures in flight
   * and closes the log. Keeps the file (use `remove`). Idempotent.
   */
  end(): Promise<void> {
    this.ending ??= (async () => {
      for (const volume of this.volumes) volume.detachGuard(this);
      this.volumes.clear();
      await Promise.allSettled([...this.inflight]);
      await this.log.close();
      await this.staging.close();
    })();
    return this.ending;
  }

  /** Ends the session and deletes its file durably. */
  async remove(): Promise<void> {
    await this.end();
    await unlinkDurable(this.log.path);
    await this.staging.remove();
  }

  /** Records `changes` (the set taken over from the volume) in the log, durably. */
  async saveChanges(): Promise<void> {
    if (!this.changes) return;
    await this.log.appendChanges(this.changes);
    await this.sync();
  }
}
