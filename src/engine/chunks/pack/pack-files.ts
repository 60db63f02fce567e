/**
 * The pack files of one pack store: `<dir>/<8 hex>.pack`, append-only. One
 * pack at a time takes new records (the open pack); it is closed for writing
 * once it reaches `packTargetBytes` and the next id starts. Records are
 * written at offsets reserved in call order, so puts write concurrently.
 *
 * Readers `acquire` a pack's handle and `release` it; a retired pack (emptied
 * by compaction) is unlinked at once and its handle closed when the last
 * reader lets go (an open descriptor keeps the bytes readable).
 */
import { constants } from 'node:fs';
import { open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, isNotFound, writevFully } from '../../support/durable-fs.js';

const PACK_NAME = /^([0-9a-f]{8})\.pack$/;
/** Handles kept open at most (idle ones beyond it are closed). */
const MAX_OPEN_PACKS = 128;

export function packName(id: number): string {
  return `${id.toString(16).padStart(8, '0')}.pack`;
}

/** A pack's handle; `refs` counts users synchronously, so the handle is never closed under one. */
interface OpenPack {
  readonly id: number;
  readonly fh: Promise<FileHandle>;
  refs: number;
  retired: boolean;
}

/** Most bytes, and buffers (IOV_MAX is 1024), written by one writev. */
const BATCH_BYTES = 4 * 1024 * 1024;
const BATCH_PARTS = 1024;

interface WriteBatch {
  readonly pack: number;
  readonly offset: number;
  bytes: number;
  readonly parts: Buffer[];
  readonly waiters: { resolve(): void; reject(err: unknown): void }[];
}

export interface PackReservation {
  readonly pack: number;
  readonly offset: number;
}

export class PackFiles {
  /** Bytes in each pack (reserved ones included). */
  readonly sizes = new Map<number, number>();
  private readonly handles = new Map<number, OpenPack>();
  /** Packs written to since the last `sync()`. */
  private readonly unsynced = new Set<number>();
  private writing: number | undefined;
  private nextId: number;
  /** New packs whose name the directory's fsync has not covered yet. */
  private readonly unsyncedNames = new Set<number>();
  private writes = 0;
  /** Batches being written, per pack (see flushBehind). */
  private readonly writesTo = new Map<number, number>();
  /** Early fdatasyncs that failed, per pack: sync() throws them (the error is reported to one fsync only). */
  private readonly flushFailures = new Map<number, unknown>();
  /** Records waiting to be written together (see `write`). */
  private batch: WriteBatch | undefined;
  /** Reservations per pack whose record is not indexed yet (`settle`). */
  private readonly unsettled = new Map<number, number>();
  private drained: (() => void) | undefined;

  private constructor(readonly dir: string, private readonly targetBytes: number, nextId: number) {
    this.nextId = nextId;
  }

  static async open(dir: string, targetBytes: number): Promise<PackFiles> {
    const ids: { id: number; size: number }[] = [];
    for (const name of await readdir(dir)) {
      const match = PACK_NAME.exec(name);
      if (match) ids.push({ id: parseInt(match[1]!, 16), size: (await stat(join(dir, name))).size });
    }
    const files = new PackFiles(dir, targetBytes, ids.reduce((max, { id }) => Math.max(max, id + 1), 0));
    for (const { id, size } of ids) files.sizes.set(id, size);
    return files;
  }

  pathOf(id: number): string {
    return join(this.dir, packName(id));
  }

  /** Reserves `length` bytes at the end of the open pack (starting a new one when it is full). */
  reserve(length: number): PackReservation {
    let pack = this.writing;
    if (pack === undefined || (this.sizes.get(pack) ?? 0) + length > this.targetBytes && (this.sizes.get(pack) ?? 0) > 0) {
      pack = this.nextId++;
      this.writing = pack;
      this.sizes.set(pack, 0);
      this.unsyncedNames.add(pack);
    }
    const offset = this.sizes.get(pack)!;
    this.sizes.set(pack, offset + length);
    this.unsettled.set(pack, (this.unsettled.get(pack) ?? 0) + 1);
    return { pack, offset };
  }

  /** The reservation's record is indexed (or abandoned): compaction may consider its pack again. */
  settle(at: PackReservation): void {
    const left = (this.unsettled.get(at.pack) ?? 1) - 1;
    if (left === 0) this.unsettled.delete(at.pack);
    else this.unsettled.set(at.pack, left);
  }

  /** Whether compaction may rewrite and remove pack `id`: no record on its way in, nothing waiting for a sync. */
  isSettled(id: number): boolean {
    return !this.unsettled.has(id) && !this.unsynced.has(id);
  }

  /** Stops writing to pack `id` if it is the open pack (the next record starts a new one). */
  seal(id: number): void {
    if (this.writing === id) this.writing = undefined;
  }

  /**
   * Writes `parts` at a reservation. Records reserved one after another in
   * one turn of the event loop go out in one writev (up to BATCH_BYTES): a
   * snapshot of 64 KiB chunks would otherwise cost a thread-pool round trip
   * per chunk.
   */
  write(at: PackReservation, parts: readonly Buffer[]): Promise<void> {
    const bytes = parts.reduce((n, part) => n + part.length, 0);
    let batch = this.batch;
    if (!batch || batch.pack !== at.pack || batch.offset + batch.bytes !== at.offset ||
      batch.bytes + bytes > BATCH_BYTES || batch.parts.length + parts.length > BATCH_PARTS) {
      batch = { pack: at.pack, offset: at.offset, bytes: 0, parts: [], waiters: [] };
      this.startBatch(batch);
    }
    batch.parts.push(...parts);
    batch.bytes += bytes;
    return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  /** Makes `batch` the one taking records; the previous one (if any) is written now, this one next turn. */
  private startBatch(batch: WriteBatch): void {
    if (this.batch) void this.writeBatch(this.batch);
    this.batch = batch;
    setImmediate(() => {
      if (this.batch === batch) void this.writeBatch(batch);
    });
  }

  private async writeBatch(batch: WriteBatch): Promise<void> {
    if (this.batch === batch) this.batch = undefined;
    this.writes++;
    this.writesTo.set(batch.pack, (this.writesTo.get(batch.pack) ?? 0) + 1);
    const entry = this.acquire(batch.pack, true);
    try {
      await writevFully(await entry.fh, batch.parts, batch.offset);
      this.unsynced.add(batch.pack);
      for (const waiter of batch.waiters) waiter.resolve();
    } catch (err) {
      for (const waiter of batch.waiters) waiter.reject(err);
    } finally {
      await this.release(entry);
      const left = this.writesTo.get(batch.pack)! - 1;
      if (left > 0) this.writesTo.set(batch.pack, left);
      else this.writesTo.delete(batch.pack);
      if (left === 0 && batch.pack !== this.writing && this.batch?.pack !== batch.pack) void this.flushBehind(batch.pack);
      if (--this.writes === 0) this.drained?.();
    }
  }

  /**
   * A full pack's last write is done: start its fdatasync now, while the next
   * pack fills, instead of leaving all of a snapshot's bytes to the kernel
   * until `sync()` (on a machine with plenty of memory, background writeback
   * starts only at gigabytes of dirty pages). Only an early start: `sync()`
   * still syncs the pack (cheap once it is clean), and throws a failure this
   * one saw (Linux reports a write-back error to one fsync only).
   */
  private async flushBehind(id: number): Promise<void> {
    const entry = this.acquire(id, false);
    try {
      await (await entry.fh).datasync();
    } catch (err) {
      if (!isNotFound(err) && !this.flushFailures.has(id)) this.flushFailures.set(id, err);
    } finally {
      await this.release(entry);
    }
  }

  /** Makes every completed write durable, and the names of the packs they went to. */
  async sync(): Promise<void> {
    const packs = [...this.unsynced];
    this.unsynced.clear();
    // Only packs with a completed write exist as files, so only their names can be made durable now.
    const named = packs.filter((id) => this.unsyncedNames.delete(id));
    try {
      await Promise.all(packs.map(async (id) => {
        const entry = this.acquire(id, false);
        try {
          await (await entry.fh).datasync();
        } finally {
          await this.release(entry);
        }
        const failed = this.flushFailures.get(id);
        if (failed !== undefined) throw failed;
      }));
      if (named.length > 0) await fsyncDir(this.dir);
    } catch (err) {
      for (const id of packs) this.unsynced.add(id);
      for (const id of named) this.unsyncedNames.add(id);
      throw err;
    }
  }

  /** Reads `length` bytes at `offset` of pack `id` (fewer at the end of the file). */
  async read(id: number, offset: number, length: number): Promise<Buffer> {
    const entry = this.acquire(id, false);
    try {
      const fh = await entry.fh;
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    } finally {
      await this.release(entry);
    }
  }

  /** Reads into `buffers` from `offset` of pack `id` (one preadv); resolves the bytes read. */
  async readv(id: number, offset: number, buffers: readonly Buffer[]): Promise<number> {
    const entry = this.acquire(id, false);
    try {
      return (await (await entry.fh).readv(buffers, offset)).bytesRead;
    } finally {
      await this.release(entry);
    }
  }

  /** Removes a pack no index entry points at any more (durably); readers in flight keep their handle. */
  async retire(id: number): Promise<void> {
    if (id === this.writing) this.writing = undefined;
    const entry = this.handles.get(id);
    this.handles.delete(id);
    this.sizes.delete(id);
    this.unsynced.delete(id);
    this.flushFailures.delete(id);
    try {
      await unlink(this.pathOf(id));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await fsyncDir(this.dir);
    if (entry) {
      entry.retired = true;
      if (entry.refs === 0) await closeEntry(entry);
    }
  }

  /** Waits for writes in flight, then closes every handle. */
  async close(): Promise<void> {
    if (this.batch) void this.writeBatch(this.batch);
    if (this.writes > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const all = [...this.handles.values()];
    this.handles.clear();
    for (const entry of all) await closeEntry(entry);
  }

  private acquire(id: number, create: boolean): OpenPack {
    let entry = this.handles.get(id);
    if (!entry) {
      if (this.handles.size >= MAX_OPEN_PACKS) this.closeIdle();
      // Not O_APPEND: positioned writes must land where they were reserved.
      const flags = create ? constants.O_RDWR | constants.O_CREAT : constants.O_RDWR;
      const fh = open(this.pathOf(id), flags, 0o644);
      const created: OpenPack = { id, fh, refs: 0, retired: false };
      entry = created;
      this.handles.set(id, created);
      fh.catch(() => {
        if (this.handles.get(id) === created) this.handles.delete(id);
      });
    }
    entry.refs++;
    return entry;
  }

  private async release(entry: OpenPack): Promise<void> {
    entry.refs--;
    if (entry.retired && entry.refs === 0) await closeEntry(entry);
  }

  /** Closes handles nobody uses (not the open pack's, nor packs waiting for their sync). */
  private closeIdle(): void {
    for (const [id, entry] of this.handles) {
      if (id === this.writing || this.unsynced.has(id) || entry.refs > 0) continue;
      this.handles.delete(id);
      closeEntry(entry).catch(() => undefined);
    }
  }
}

async function closeEntry(entry: OpenPack): Promise<void> {
  const fh = await entry.fh.catch(() => undefined);
  await fh?.close();
}
