/**
 * A live disk: a sparse file of the disk's size, served as a BlockDevice.
 *
 * One Volume object per open volume (see VolumeRegistry), shared by every NBD
 * connection and by the snapshot job. Every mutation (write, write-zeroes)
 * first awaits the attached WriteGuard — the copy-before-write session — which
 * preserves the old bytes of the chunks it touches. Trim keeps the data (Node
 * cannot punch holes), so it changes nothing and needs no guard.
 *
 * After `close()` every call rejects with EngineError('VolumeNotFound'); calls
 * already in flight finish first.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { BlockDevice, BlockExtent } from '../block-device.js';
import { EngineError } from '../engine.js';
import { writeFully, writevFully } from '../support/durable-fs.js';
import { AllocationMap, allocationPathOf } from './allocation-map.js';
import { pread, preadPool } from './pread-threads.js';

/** Reads the current bytes of a range (what a copy-before-write capture needs). */
export interface RangeReader {
  read(offset: number, length: number): Promise<Buffer>;
  /** `read` of the range the `targets` cover one after another, into them: no new buffer, one read call. */
  readvInto?(offset: number, targets: readonly Buffer[]): Promise<void>;
  /** True when the range is known to read as zeroes without reading it (never written). */
  isUnallocated?(offset: number, length: number): boolean;
}

/** Told synchronously when a mutation of `[offset, offset + length)` starts (dirty-map.ts). */
export interface ChangeTracker {
  mark(offset: number, length: number): void;
}

/** Runs before every mutation of `[offset, offset + length)` of `volume`. */
export interface WriteGuard {
  beforeMutate(volume: RangeReader, offset: number, length: number): Promise<void>;
}

/**
 * Serves chunks whose bytes are not in the file yet (a lazy restore:
 * lazy-volume.ts). `read` gets the file's reader to overlay; `beforeMutate`
 * materialises the chunks a mutation touches before it is applied.
 */
export interface ReadThrough {
  read(offset: number, length: number, fromFile: (offset: number, length: number) => Promise<Buffer>): Promise<Buffer>;
  beforeMutate(offset: number, length: number): Promise<void>;
}

const ZERO_BLOCK = Buffer.alloc(1024 * 1024);
const MAX_SHARED_ZEROES = 64 * 1024 * 1024;
let zeroes = Buffer.alloc(0);

/** `length` zero bytes from a shared buffer (grown to the largest length asked); callers must not write to it. */
function sharedZeroes(length: number): Buffer {
  if (length > MAX_SHARED_ZEROES) return Buffer.alloc(length);
  if (zeroes.length < length) zeroes = Buffer.alloc(Math.min(MAX_SHARED_ZEROES, Math.max(length, 2 * zeroes.length)));
  return zeroes.subarray(0, length);
}

/**
 * One positioned read on the descriptor: small ones on pread-threads.ts's
 * threads (far fewer thread wake-ups than libuv's pool for 4 KiB NBD reads),
 * others with callback fs.read. The descriptor stays open meanwhile: close()
 * waits for every tracked call.
 */
const preadFd = pread;

export class Volume implements BlockDevice {
  private guard: WriteGuard | undefined;
  private tracker: ChangeTracker | undefined;
  private through: ReadThrough | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly id: string,
    readonly path: string,
    private readonly fh: FileHandle,
    private currentSize: number,
    private readonly allocation: AllocationMap,
  ) {}

  /** Opens the existing volume file `path` (and its allocation map, if it has one). */
  static async open(id: string, path: string): Promise<Volume> {
    const fh = await open(path, 'r+');
    try {
      const { size } = await fh.stat();
      return new Volume(id, path, fh, size, await AllocationMap.open(allocationPathOf(path)));
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Size in bytes; grows with `grow` (NBD connections keep the size they negotiated). */
  get size(): number {
    return this.currentSize;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  isUnallocated(offset: number, length: number): boolean {
    return this.allocation.isUnallocated(offset, length);
  }

  /**
   * NBD base:allocation from the allocation map: never-written chunks are
   * holes that read as zeroes (a lazy restore marks its data chunks allocated
   * up front, so this holds for it too).
   */
  blockStatus(offset: number, length: number): Promise<BlockExtent[]> {
    return this.track(offset, length, async () => this.allocation.extents(offset, length));
  }

  read(offset: number, length: number): Promise<Buffer> {
    const fromFile = (o: number, l: number): Promise<Buffer> => this.readUnguarded(o, l);
    return this.track(offset, length, () => this.through?.read(offset, length, fromFile) ?? fromFile(offset, length));
  }

  readvInto(offset: number, targets: readonly Buffer[]): Promise<void> {
    const length = targets.reduce((n, t) => n + t.length, 0);
    return this.track(offset, length, async () => {
      if (this.through || this.allocation.isUnallocated(offset, length)) {
        const data = await (this.through?.read(offset, length, (o, l) => this.readUnguarded(o, l)) ?? sharedZeroes(length));
        let at = 0;
        for (const target of targets) at += data.copy(target, 0, at, at + target.length);
        return;
      }
      // One preadv (libuv's pool: the pread threads would copy through their arena); a short read is finished per target.
      let done = (await this.fh.readv(targets, offset)).bytesRead;
      let at = offset;
      for (const target of targets) {
        if (done < target.length) await this.readFile(at + Math.max(0, done), target.subarray(Math.max(0, done)), preadPool);
        done -= target.length;
        at += target.length;
      }
    });
  }

  write(offset: number, data: Buffer, fua: boolean): Promise<void> {
    return this.track(offset, data.length, async () => {
      this.tracker?.mark(offset, data.length); // before any await: see setChangeTracker
      await this.allocation.markAllocated(offset, data.length);
      await this.guard?.beforeMutate(this, offset, data.length);
      await this.through?.beforeMutate(offset, data.length);
      await writeFully(this.fh, data, offset);
      if (fua) await this.fh.datasync();
    });
  }

  flush(): Promise<void> {
    return this.track(0, 0, () => this.fh.datasync());
  }

  trim(offset: number, length: number, fua: boolean): Promise<void> {
    return this.track(offset, length, async () => {
      this.tracker?.mark(offset, length);
      if (fua) await this.fh.datasync();
    });
  }

  writeZeroes(offset: number, length: number, fua: boolean): Promise<void> {
    return this.track(offset, length, async () => {
      // Zeroes over never-written chunks change nothing: no copy-before-write, no I/O.
      if (this.allocation.isUnallocated(offset, length)) {
        if (fua) await this.fh.datasync();
        return;
      }
      this.tracker?.mark(offset, length);
      await this.allocation.markAllocated(offset, length);
      await this.guard?.beforeMutate(this, offset, length);
      await this.through?.beforeMutate(offset, length);
      for (let done = 0; done < length; done += ZERO_BLOCK.length) {
        const n = Math.min(ZERO_BLOCK.length, length - done);
        await writeFully(this.fh, ZERO_BLOCK.subarray(0, n), offset + done);
      }
      if (fua) await this.fh.datasync();
    });
  }

  /**
   * Installs `guard` for every mutation that starts from now on. Resolves once
   * the mutations already in flight (which did not see it) have finished, so
   * the caller can fix a point in time that none of them straddles.
   */
  attachGuard(guard: WriteGuard): Promise<void> {
    this.guard = guard;
    const before = [...this.inflight];
    return Promise.allSettled(before).then(() => undefined);
  }

  /**
   * Installs the changed-chunk tracker. Mutations mark it synchronously as they
   * start, so a tracker swapped in the same tick as `attachGuard` splits them
   * exactly into those the guard drains and those it guards.
   */
  setChangeTracker(tracker: ChangeTracker | undefined): void {
    this.tracker = tracker;
  }

  /** Removes `guard` if it is the one attached. */
  detachGuard(guard: WriteGuard): void {
    if (this.guard === guard) this.guard = undefined;
  }

  /** Installs (or, with undefined, removes) the layer serving chunks not in the file yet. */
  setReadThrough(through: ReadThrough | undefined): void {
    this.through = through;
  }

  /** Writes `data` (or its parts, one after another) to the file as is: no guard, no allocation, no read-through (filling a lazy restore). */
  writeRaw(offset: number, data: Buffer | readonly Buffer[]): Promise<void> {
    const parts = Buffer.isBuffer(data) ? [data] : data;
    const length = parts.reduce((n, part) => n + part.length, 0);
    return this.track(offset, length, () => writevFully(this.fh, parts, offset));
  }

  /** Makes every completed write durable (used when fixing a point in time). */
  datasync(): Promise<void> {
    return this.flush();
  }

  /**
   * Grows the volume to `sizeBytes` durably: the allocation map first (new
   * chunks unallocated), then the sparse file. No-op if it is already at least
   * that large (never shrinks). The caller serialises it with other
   * size-changing work and with snapshot sessions.
   */
  async grow(sizeBytes: number): Promise<void> {
    if (this.closing) throw new EngineError('VolumeNotFound', `volume ${this.id} is closed or deleted`);
    await this.allocation.grow(sizeBytes);
    if ((await this.fh.stat()).size < sizeBytes) {
      await this.fh.truncate(sizeBytes);
      await this.fh.sync();
    }
    this.currentSize = Math.max(this.currentSize, sizeBytes);
  }

  /** Rejects new calls, waits for those in flight, closes the file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.guard = undefined;
      await Promise.allSettled([...this.inflight]);
      await this.allocation.close();
      await this.fh.close();
    })();
    return this.closing;
  }

  private async readUnguarded(offset: number, length: number): Promise<Buffer> {
    // Never-written ranges share one read-only zero buffer: no allocation, no GC churn.
    if (this.allocation.isUnallocated(offset, length)) return sharedZeroes(length);
    const buffer = Buffer.allocUnsafe(length);
    await this.readFile(offset, buffer);
    return buffer;
  }

  /** The file's bytes at `offset` into `target` (callers skip never-written ranges: holes read as zeroes anyway). */
  private async readFile(offset: number, target: Buffer, preadAt = preadFd): Promise<void> {
    let done = 0;
    while (done < target.length) {
      const bytesRead = await preadAt(this.fh.fd, target, done, target.length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    target.fill(0, done); // past the end of file the rest reads as zeroes
  }

  private track<T>(offset: number, length: number, op: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new EngineError('VolumeNotFound', `volume ${this.id} is closed or deleted`));
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 &&
      offset + length <= this.size)) {
      return Promise.reject(new RangeError(`range ${offset}+${length} outside volume ${this.id} of ${this.size} bytes`));
    }
    const running = op();
    this.inflight.add(running);
    const forget = (): void => void this.inflight.delete(running);
    running.then(forget, forget);
    return running;
  }
}
