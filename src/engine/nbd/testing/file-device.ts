/**
 * Test fixtures: a BlockDevice over a sparse temp file (FUA / flush =
 * fdatasync), a gate-controlled wrapper for concurrency tests, and an
 * ExportResolver over a map that counts opens and releases.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockDevice, ExportHandle, ExportResolver } from '../../block-device.js';

const ZERO_CHUNK = Buffer.alloc(1024 * 1024);

export interface DeviceStats {
  writes: number;
  fuaWrites: number;
  flushes: number;
  trims: number;
  zeroes: number;
  fuaZeroes: number;
}

export class FileDevice implements BlockDevice {
  readonly stats: DeviceStats = { writes: 0, fuaWrites: 0, flushes: 0, trims: 0, zeroes: 0, fuaZeroes: 0 };

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    readonly size: number,
  ) {}

  /** A sparse file of `size` bytes at `path` (created or truncated). */
  static async create(path: string, size: number): Promise<FileDevice> {
    const file = await open(path, 'w+');
    await file.truncate(size);
    return new FileDevice(path, file, size);
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.file.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) break; // past EOF reads as zeroes
      done += bytesRead;
    }
    return buf;
  }

  async write(offset: number, data: Buffer, fua: boolean): Promise<void> {
    this.stats.writes++;
    await this.writeAll(offset, data);
    if (fua) {
      this.stats.fuaWrites++;
      await this.file.datasync();
    }
  }

  async flush(): Promise<void> {
    this.stats.flushes++;
    await this.file.datasync();
  }

  /** Discarded ranges are zeroed so tests can assert exact bytes. */
  async trim(offset: number, length: number, fua: boolean): Promise<void> {
    this.stats.trims++;
    await this.zero(offset, length, fua);
  }

  async writeZeroes(offset: number, length: number, fua: boolean): Promise<void> {
    this.stats.zeroes++;
    if (fua) this.stats.fuaZeroes++;
    await this.zero(offset, length, fua);
  }

  close(): Promise<void> {
    return this.file.close();
  }

  private async zero(offset: number, length: number, fua: boolean): Promise<void> {
    for (let at = 0; at < length; at += ZERO_CHUNK.length) {
      await this.writeAll(offset + at, ZERO_CHUNK.subarray(0, Math.min(ZERO_CHUNK.length, length - at)));
    }
    if (fua) await this.file.datasync();
  }

  private async writeAll(offset: number, data: Buffer): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.file.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
  }
}

/** Wraps a device so every operation waits until `open()` is called; counts concurrency. */
export class GatedDevice implements BlockDevice {
  active = 0;
  maxActive = 0;
  started = 0;
  private gate: Promise<void>;
  private openGate!: () => void;
  private watchers: { count: number; resolve: () => void }[] = [];

  constructor(private readonly inner: BlockDevice) {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  get size(): number {
    return this.inner.size;
  }

  open(): void {
    this.openGate();
  }

  /** Resolves once at least `count` operations have started. */
  startedAtLeast(count: number): Promise<void> {
    if (this.started >= count) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push({ count, resolve }));
  }

  read(offset: number, length: number): Promise<Buffer> {
    return this.gated(() => this.inner.read(offset, length));
  }
  write(offset: number, data: Buffer, fua: boolean): Promise<void> {
    return this.gated(() => this.inner.write(offset, data, fua));
  }
  flush(): Promise<void> {
    return this.gated(() => this.inner.flush());
  }
  trim(offset: number, length: number, fua: boolean): Promise<void> {
    return this.gated(() => this.inner.trim(offset, length, fua));
  }
  writeZeroes(offset: number, length: number, fua: boolean): Promise<void> {
    return this.gated(() => this.inner.writeZeroes(offset, length, fua));
  }

  private async gated<T>(op: () => Promise<T>): Promise<T> {
    this.started++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    for (const w of this.watchers.filter((x) => x.count <= this.started)) w.resolve();
    this.watchers = this.watchers.filter((x) => x.count > this.started);
    try {
      await this.gate;
      return await op();
    } finally {
      this.active--;
    }
  }
}

export interface ExportEntry {
  readonly device: BlockDevice;
  readonly readOnly?: boolean;
  readonly multiConn?: boolean;
  readonly description?: string;
}

/** An ExportResolver over a map; `listable: false` makes list() return null. */
export class MapResolver implements ExportResolver {
  readonly exports: Map<string, ExportEntry>;
  opened = 0;
  released = 0;
  doubleReleases = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    exports: Record<string, ExportEntry>,
    private readonly listable = true,
  ) {
    this.exports = new Map(Object.entries(exports));
  }

  async open(name: string): Promise<ExportHandle | undefined> {
    const entry = this.exports.get(name);
    if (!entry) return undefined;
    this.opened++;
    let released = false;
    return {
      device: entry.device,
      readOnly: entry.readOnly ?? false,
      ...(entry.multiConn !== undefined ? { multiConn: entry.multiConn } : {}),
      ...(entry.description !== undefined ? { description: entry.description } : {}),
      release: () => {
        if (released) {
          this.doubleReleases++;
          return;
        }
        released = true;
        this.released++;
        if (this.opened === this.released) this.idleWaiters.splice(0).forEach((wake) => wake());
      },
    };
  }

  async list(): Promise<string[] | null> {
    return this.listable ? [...this.exports.keys()] : null;
  }

  /** Resolves once every handle handed out has been released. */
  idle(): Promise<void> {
    if (this.opened === this.released) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** A fresh temp directory and a cleanup function. */
export async function tempDir(prefix = 'edgesnap-nbd-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
