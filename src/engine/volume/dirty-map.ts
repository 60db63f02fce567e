/**
 * Changed-chunk tracking for incremental snapshots.
 *
 * A `DirtyMap` says which chunks of one volume changed since `base`, the
 * volume's last snapshot (null: no usable base, the next snapshot reads every
 * allocated chunk). Every write / trim / write-zeroes marks its chunks
 * synchronously when it starts, before it is acknowledged (Volume's
 * ChangeTracker hook).
 *
 * Persistence (`DirtyTable`): the map lives in memory for the engine's
 * lifetime. On the engine's clean close it is written atomically to
 * `volumes/<id>.dirty`; that file doubles as the "clean" marker: the first
 * use of the volume after start reads it and then deletes it durably, so a
 * crash (no close) leaves no file and the next start treats everything as
 * changed. A file of another chunk size or that fails its check counts as absent.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../chunks/chunk-store.js';
import { isNotFound, unlinkDurable, writeFileDurable } from '../support/durable-fs.js';

const FORMAT = 'edgesnap-dirty';

/** A growable set of chunk indexes, one bit each. */
export class ChunkBitmap {
  private bytes: Uint8Array;

  constructor(bytes: Uint8Array = new Uint8Array(0)) {
    this.bytes = bytes;
  }

  has(index: number): boolean {
    const byte = index >> 3;
    return byte < this.bytes.length && ((this.bytes[byte]! >> (index & 7)) & 1) === 1;
  }

  set(index: number): void {
    const byte = index >> 3;
    if (byte >= this.bytes.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bytes.length * 2));
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[byte]! |= 1 << (index & 7);
  }

  /** Adds every index of `other`. */
  merge(other: ChunkBitmap): void {
    for (let b = 0; b < other.bytes.length; b++) {
      const bits = other.bytes[b]!;
      if (bits === 0) continue;
      for (let k = 0; k < 8; k++) if ((bits >> k) & 1) this.set(b * 8 + k);
    }
  }

  count(): number {
    let n = 0;
    for (const byte of this.bytes) for (let v = byte; v; v &= v - 1) n++;
    return n;
  }

  encode(): string {
    return Buffer.from(this.bytes).toString('base64');
  }

  static decode(text: string): ChunkBitmap {
    return new ChunkBitmap(new Uint8Array(Buffer.from(text, 'base64')));
  }
}

/** What a snapshot session takes over from the volume at its point in time. */
export interface ChangeSet {
  /** The snapshot `changed` is relative to, or null (read everything). */
  readonly parent: string | null;
  readonly chunkSize: number;
  readonly changed: ChunkBitmap;
}

export class DirtyMap {
  constructor(
    readonly chunkSize: number,
    private baseId: string | null,
    private bits: ChunkBitmap = new ChunkBitmap(),
  ) {}

  get base(): string | null {
    return this.baseId;
  }

  /** Marks the chunks of `[offset, offset + length)` as changed. Synchronous. */
  mark(offset: number, length: number): void {
    if (length <= 0) return;
    const last = Math.floor((offset + length - 1) / this.chunkSize);
    for (let i = Math.floor(offset / this.chunkSize); i <= last; i++) this.bits.set(i);
  }

  /** Forgets the base: the next snapshot is full. */
  invalidate(): void {
    this.baseId = null;
    this.bits = new ChunkBitmap();
  }

  /**
   * Hands the changes so far to snapshot `snapshotId` and starts afresh
   * relative to it. Must run in the same tick as attaching the session's
   * copy-before-write guard (no write may start in between).
   */
  handOff(snapshotId: string): ChangeSet {
    const out: ChangeSet = { parent: this.baseId, chunkSize: this.chunkSize, changed: this.bits };
    this.baseId = snapshotId;
    this.bits = new ChunkBitmap();
    return out;
  }

  /**
   * Takes back the changes of snapshot `snapshotId` that did not complete, so
   * the next snapshot still covers them. `changes` undefined: unknown (full).
   */
  giveBack(snapshotId: string, changes: ChangeSet | undefined): void {
    if (this.baseId !== snapshotId) return; // the base was already dropped or replaced
    if (!changes || changes.chunkSize !== this.chunkSize || changes.parent === null) {
      this.invalidate();
      return;
    }
    this.baseId = changes.parent;
    this.bits.merge(changes.changed);
  }

  encode(): string {
    const body = JSON.stringify({ format: FORMAT, version: 1, chunkSize: this.chunkSize, base: this.baseId,
      bits: this.bits.encode() });
    return `${body}\n${sha256Hex(body)}\n`;
  }

  /** The map in `text`, or undefined if it is not a valid map of `chunkSize`. */
  static decode(text: string, chunkSize: number): DirtyMap | undefined {
    const [body, check] = text.split('\n');
    if (!body || check !== sha256Hex(body)) return undefined;
    try {
      const raw = JSON.parse(body) as Record<string, unknown>;
      if (raw.format !== FORMAT || raw.version !== 1 || raw.chunkSize !== chunkSize) return undefined;
      if (!(raw.base === null || typeof raw.base === 'string') || typeof raw.bits !== 'string') return undefined;
      return new DirtyMap(chunkSize, raw.base, ChunkBitmap.decode(raw.bits));
    } catch {
      return undefined;
    }
  }
}

/** The dirty maps of one engine's volumes, loaded on first use, saved on close. */
export class DirtyTable {
  private readonly maps = new Map<string, Promise<DirtyMap>>();

  constructor(
    private readonly dir: string,
    private readonly tempDir: string,
    private readonly chunkSize: number,
  ) {}

  pathOf(volumeId: string): string {
    return join(this.dir, `${volumeId}.dirty`);
  }

  /** The map of `volumeId`; the first call reads the saved map and removes the clean marker durably. */
  get(volumeId: string): Promise<DirtyMap> {
    let map = this.maps.get(volumeId);
    if (!map) {
      map = this.load(volumeId);
      this.maps.set(volumeId, map);
      map.catch(() => this.maps.delete(volumeId));
    }
    return map;
  }

  /** Drops the map and its file (volume deleted, created or restored anew). */
  async forget(volumeId: string): Promise<void> {
    this.maps.delete(volumeId);
    await unlinkDurable(this.pathOf(volumeId));
  }

  /** Saves every loaded map (clean close). */
  async saveAll(): Promise<void> {
    for (const [volumeId, pending] of this.maps) {
      const map = await pending.catch(() => undefined);
      if (map) await writeFileDurable(this.pathOf(volumeId), Buffer.from(map.encode()), this.tempDir);
    }
    this.maps.clear();
  }

  private async load(volumeId: string): Promise<DirtyMap> {
    let text: string | undefined;
    try {
      text = await readFile(this.pathOf(volumeId), 'utf8');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const map = (text !== undefined ? DirtyMap.decode(text, this.chunkSize) : undefined) ??
      new DirtyMap(this.chunkSize, null);
    // From now on only a clean close vouches for the map.
    if (text !== undefined) await unlinkDurable(this.pathOf(volumeId));
    return map;
  }
}
