/**
 * Which chunks of a volume have ever been written: `<id>.alloc` beside
 * `<id>.raw`. A chunk whose bit is clear is known to hold zeroes, so reads of
 * it (NBD reads, snapshot captures) return zeroes without touching the file:
 * the first snapshot of a 20 GiB disk with 100 MiB written reads 100 MiB.
 *
 * Safety: a bit is made durable *before* the write it covers is applied, so
 * after any crash every chunk holding data has its bit set (a set bit over
 * zeroes only costs a read). Bits are never cleared. A volume without a map
 * (made by an older version) counts as fully allocated.
 *
 * File: 24-byte header (`ESALLOC1`, u32 granularity, u32 reserved, u64 size)
 * then one bit per `granularity` bytes. Concurrent first writes share one
 * write + fdatasync of the map (group commit).
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { isNotFound, writeFully } from '../support/durable-fs.js';

const MAGIC = Buffer.from('ESALLOC1');
const HEADER = 24;

export function allocationPathOf(volumePath: string): string {
  return volumePath.replace(/\.raw$/, '') + '.alloc';
}

export class AllocationMap {
  private wanted: Uint8Array;
  private flushing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** Byte range of `wanted` that differs from `durable` (empty when lo > hi): the next flush writes just that. */
  private dirtyLo = Infinity;
  private dirtyHi = -1;

  private constructor(
    private readonly fh: FileHandle | undefined,
    readonly granularity: number,
    /** Bits known durable; only these answer `isAllocated`. */
    private durable: Uint8Array,
  ) {
    this.wanted = Uint8Array.from(durable);
  }

  /** Writes a map for a volume of `sizeBytes` with `allocated` chunks set, and fsyncs it. */
  static async create(path: string, sizeBytes: number, granularity: number, allocated: Iterable<number> = []):
    Promise<void> {
    const bits = Buffer.alloc(Math.ceil(Math.ceil(sizeBytes / granularity) / 8));
    for (const i of allocated) bits[i >> 3]! |= 1 << (i & 7);
    const header = Buffer.alloc(HEADER);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(granularity, 8);
    header.writeBigUInt64LE(BigInt(sizeBytes), 16);
    const fh = await open(path, 'w', 0o644);
    try {
      await writeFully(fh, Buffer.concat([header, bits]), 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Opens the map at `path`; a missing or unreadable one means "everything allocated". */
  static async open(path: string): Promise<AllocationMap> {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      if (isNotFound(err)) return AllocationMap.full();
      throw err;
    }
    if (data.length < HEADER || !data.subarray(0, 8).equals(MAGIC)) return AllocationMap.full();
    const granularity = data.readUInt32LE(8);
    const size = Number(data.readBigUInt64LE(16));
    const bytes = Math.ceil(Math.ceil(size / granularity) / 8);
    if (granularity === 0 || data.length !== HEADER + bytes) return AllocationMap.full();
    return new AllocationMap(await open(path, 'r+'), granularity, Uint8Array.from(data.subarray(HEADER)));
  }

  private static full(): AllocationMap {
    return new AllocationMap(undefined, 0, new Uint8Array(0));
  }

  /** True if no chunk touching `[offset, offset + length)` was ever written. */
  isUnallocated(offset: number, length: number): boolean {
    if (!this.fh) return false;
    if (length <= 0) return true;
    const [first, last] = this.span(offset, length);
    for (let i = first; i <= last; i++) if (this.durable[i >> 3]! & (1 << (i & 7))) return false;
    return true;
  }

  /**
   * The range as runs of never-written chunks (`hole`) and written ones,
   * from the durable bits (a chunk being written for the first time counts as
   * a hole until its bit is durable, and its bytes land only after that). The
   * first and last runs are clipped to the range. No map: one data run.
   */
  extents(offset: number, length: number): { length: number; hole: boolean }[] {
    if (length <= 0) return [];
    if (!this.fh) return [{ length, hole: false }];
    const [first, last] = this.span(offset, length);
    const runs: { length: number; hole: boolean }[] = [];
    const end = offset + length;
    let i = first;
    while (i <= last) {
      const hole = !this.isSet(i);
      const start = i;
      i++;
      // Whole bytes of the same state are skipped 8 chunks at a time.
      const same = hole ? 0x00 : 0xff;
      while (i <= last) {
        if ((i & 7) === 0 && i + 7 <= last && this.durable[i >> 3] === same) i += 8;
        else if (!this.isSet(i) === hole) i++;
        else break;
      }
      const from = Math.max(offset, start * this.granularity);
      const to = Math.min(end, i * this.granularity);
      runs.push({ length: to - from, hole });
    }
    return runs;
  }

  /** Makes the bits of `[offset, offset + length)` durable before resolving. */
  async markAllocated(offset: number, length: number): Promise<void> {
    if (!this.fh || length <= 0) return;
    const [first, last] = this.span(offset, length);
    let missing = false;
    for (let i = first; i <= last; i++) {
      if (!(this.durable[i >> 3]! & (1 << (i & 7)))) {
        missing = true;
        this.wanted[i >> 3]! |= 1 << (i & 7);
        this.dirtyLo = Math.min(this.dirtyLo, i >> 3);
        this.dirtyHi = Math.max(this.dirtyHi, i >> 3);
      }
    }
    if (missing) await this.requestFlush();
  }

  /**
   * Extends the map to cover a volume grown to `sizeBytes` (the new chunks
   * unallocated), durably. Call before the volume file grows. In place: the
   * bytes are appended first, then the header's size; a crash in between
   * leaves a map whose length does not match its header, which opens as
   * "everything allocated" (safe, only slower). No-op if already that large.
   */
  async grow(sizeBytes: number): Promise<void> {
    if (!this.fh) return;
    const header = await readHeader(this.fh);
    if (header >= sizeBytes) return;
    const bytes = Math.ceil(Math.ceil(sizeBytes / this.granularity) / 8);
    const extended = (old: Uint8Array): Uint8Array => {
      const next = new Uint8Array(Math.max(bytes, old.length));
      next.set(old);
      return next;
    };
    this.wanted = extended(this.wanted);
    this.durable = extended(this.durable);
    await this.fh.truncate(HEADER + bytes);
    await this.fh.datasync();
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(sizeBytes));
    await writeFully(this.fh, size, 16);
    await this.fh.datasync();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.flushing, this.queued]);
    await this.fh?.close();
  }

  private isSet(chunk: number): boolean {
    return ((this.durable[chunk >> 3] ?? 0) & (1 << (chunk & 7))) !== 0;
  }

  private span(offset: number, length: number): [number, number] {
    return [Math.floor(offset / this.granularity), Math.floor((offset + length - 1) / this.granularity)];
  }

  /** Joins the next flush: it starts after the current one and writes every bit wanted by then. */
  private requestFlush(): Promise<void> {
    if (this.queued) return this.queued;
    const next = (this.flushing ?? Promise.resolve()).catch(() => undefined).then(() => {
      this.queued = undefined;
      const run = this.writeWanted();
      this.flushing = run;
      const done = (): void => {
        if (this.flushing === run) this.flushing = undefined;
      };
      run.then(done, done);
      return run;
    });
    this.queued = next;
    return next;
  }

  private async writeWanted(): Promise<void> {
    const lo = this.dirtyLo;
    const hi = this.dirtyHi;
    if (lo > hi) return;
    this.dirtyLo = Infinity;
    this.dirtyHi = -1;
    const bytes = Buffer.from(this.wanted.subarray(lo, hi + 1));
    await writeFully(this.fh!, bytes, HEADER + lo);
    await this.fh!.datasync();
    this.durable.set(bytes, lo);
  }
}

async function readHeader(fh: FileHandle): Promise<number> {
  const buffer = Buffer.alloc(8);
  await fh.read(buffer, 0, 8, 16);
  return Number(buffer.readBigUInt64LE(0));
}
