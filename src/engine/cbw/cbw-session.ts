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
 * Durability order for a guest write: read old bytes → chunk store put
 * (durable) → append record → fdatasync the log → release → apply the write.
 * The job's records are synced lazily (group commit); a guest write to a chunk
 * whose record is not durable yet syncs the log before proceeding.
 */
import { EngineError } from '../engine.js';
import { isAllZero, type ChunkStore } from '../chunks/chunk-store.js';
import { syncHasher, type Hasher } from '../support/worker-pool.js';
import { unlinkDurable } from '../support/durable-fs.js';
import { KeyedMutex } from '../support/keyed-mutex.js';
import type { ChangeSet, ChunkBitmap } from '../volume/dirty-map.js';
import type { RangeReader, Volume, WriteGuard } from '../volume/volume.js';
import { SessionFileCorrupt, SessionLog, type CaptureRecord, type SessionHeader } from './session-log.js';

const DEFER_SYNC = { deferSync: true } as const;

export { syncHasher, type Hasher };

/**
 * The parent snapshot of an incremental session: a chunk outside `changed`
 * that the parent covered whole keeps the parent's digest without being read.
 */
export interface Baseline {
  /** The parent snapshot. */
  readonly snapshotId: string;
  readonly sizeBytes: number;
  readonly chunks: readonly (string | null)[];
  readonly changed: ChunkBitmap;
}

/** What this session did in this process (for ManifestInfo). */
export interface CaptureStats {
  chunksRead: number;
  bytesRead: number;
  chunksInherited: number;
}

interface Captured {
  readonly record: CaptureRecord;
  readonly seq: number;
}

export class CbwSession implements WriteGuard {
  private readonly captured = new Map<number, Captured>();
  private readonly locks = new KeyedMutex<number>();
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
  ) {}

  /** Creates the session file durably; the session captures nothing until attached. */
  static async create(path: string, header: SessionHeader, store: ChunkStore, tempDir: string,
    hasher: Hasher = syncHasher): Promise<CbwSession> {
    return new CbwSession(header, await SessionLog.create(path, header, tempDir), store, hasher);
  }

  /** Reloads a session after a restart, with every chunk it had captured. */
  static async load(path: string, store: ChunkStore, hasher: Hasher = syncHasher): Promise<CbwSession> {
    const { log, header, records, changes } = await SessionLog.load(path);
    const session = new CbwSession(header, log, store, hasher);
    session.changes = changes;
    for (const record of records) {
      if (record.index >= session.chunkCount) {
        await log.close();
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
    for (let i = first; i <= last; i++) await this.capture(volume, i, true);
  }

  /**
   * Captures chunk `index` from `volume` unless already captured. With
   * `durable`, resolves only once its record is on stable storage. Resolves
   * without capturing if the session has ended.
   */
  capture(volume: RangeReader, index: number, durable: boolean): Promise<void> {
    if (this.ended) return Promise.resolve();
    const running = this.captureLocked(volume, index, durable);
    this.inflight.add(running);
    const forget = (): void => void this.inflight.delete(running);
    running.then(forget, forget);
    return running;
  }

  private async captureLocked(volume: RangeReader, index: number, durable: boolean): Promise<void> {
    const known = this.captured.get(index);
    if (known) return this.makeDurable(known, durable);
    await this.locks.run(index, async () => {
      await this.drained;
      const again = this.captured.get(index);
      if (again) return this.makeDurable(again, durable);
      if (this.ended) return;
      const record = await this.readRecord(volume, index);
      const entry = { record, seq: await this.log.append(record) };
      this.captured.set(index, entry);
      await this.makeDurable(entry, durable);
    });
  }

  /** The record of chunk `index`: inherited from the parent, or read, hashed and stored. */
  private async readRecord(volume: RangeReader, index: number): Promise<CaptureRecord> {
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
    const { digest, data } = await this.hasher(read);
    // The name's directory is synced before the log that records it (syncLog).
    return { index, digest, stored: await this.store.put(digest, data, DEFER_SYNC) };
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
    })();
    return this.ending;
  }

  /** Ends the session and deletes its file durably. */
  async remove(): Promise<void> {
    await this.end();
    await unlinkDurable(this.log.path);
  }

  /** Records `changes` (the set taken over from the volume) in the log, durably. */
  async saveChanges(): Promise<void> {
    if (!this.changes) return;
    await this.log.appendChanges(this.changes);
    await this.sync();
  }
}
