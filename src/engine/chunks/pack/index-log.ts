/**
 * The pack store's index: an append-only log of fixed 64-byte records, each
 * "chunk D is at pack P, offset O, length L" (add), "chunk D is gone" (del),
 * or "the packs behind every add record before log offset N are durable"
 * (commit). Replaying it in order gives the live index; a later add of a
 * digest supersedes an earlier one (compaction moves chunks that way).
 *
 * Record: type u8 (1 add, 2 del, 3 commit) · 3 zero bytes · pack u32 · offset
 * u48 (commit: N) · 2 zero bytes · length u32 · digest (32 bytes) · check
 * (first 12 bytes of the SHA-256 of bytes 0–51). Each record checks on its
 * own, so a torn or damaged record is skipped without losing its neighbours.
 *
 * An add record is written as soon as its chunk is (so a restarted process
 * finds every chunk a put returned for), but only a later commit vouches for
 * the pack bytes it names: after a power loss the log may have reached the
 * disk before the pack. Replay reports the live adds after the last commit as
 * tentative; the store verifies them (pack-chunk-store.ts).
 *
 * Appends go out batched (support/batched-appends.ts), in call order; `sync()`
 * (group commit) makes everything appended before it durable.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { GroupSync } from '../../support/group-sync.js';
import { BatchedAppends } from '../../support/batched-appends.js';
import { isNotFound } from '../../support/durable-fs.js';

export const RECORD_BYTES = 64;
const CHECKED_BYTES = 52;
const CHECK_BYTES = RECORD_BYTES - CHECKED_BYTES;
const ADD = 1;
const DEL = 2;
const COMMIT = 3;
const NO_DIGEST = '0'.repeat(64);

/** Where a chunk's record is: its pack, the record's offset in it, and the stored chunk file's length. */
export interface PackLocation {
  readonly pack: number;
  readonly offset: number;
  readonly length: number;
}

export type IndexRecord =
  | { readonly kind: 'add'; readonly digest: string; readonly at: PackLocation }
  | { readonly kind: 'del'; readonly digest: string }
  | { readonly kind: 'commit'; readonly upTo: number };

export function encodeRecord(record: IndexRecord): Buffer {
  const buf = Buffer.alloc(RECORD_BYTES);
  buf.writeUInt8(record.kind === 'add' ? ADD : record.kind === 'del' ? DEL : COMMIT, 0);
  if (record.kind === 'add') {
    buf.writeUInt32LE(record.at.pack, 4);
    buf.writeUIntLE(record.at.offset, 8, 6);
    buf.writeUInt32LE(record.at.length, 16);
  }
  if (record.kind === 'commit') buf.writeUIntLE(record.upTo, 8, 6);
  buf.write(record.kind === 'commit' ? NO_DIGEST : record.digest, 20, 32, 'hex');
  checkOf(buf).copy(buf, CHECKED_BYTES);
  return buf;
}

/** The record in `buf` (64 bytes), or undefined if it does not check. */
export function decodeRecord(buf: Buffer): IndexRecord | undefined {
  if (buf.length !== RECORD_BYTES || !checkOf(buf).equals(buf.subarray(CHECKED_BYTES))) return undefined;
  const digest = buf.toString('hex', 20, 52);
  const type = buf.readUInt8(0);
  if (type === COMMIT) return { kind: 'commit', upTo: buf.readUIntLE(8, 6) };
  if (type === DEL) return { kind: 'del', digest };
  if (type !== ADD) return undefined;
  return { kind: 'add', digest, at: { pack: buf.readUInt32LE(4), offset: buf.readUIntLE(8, 6), length: buf.readUInt32LE(16) } };
}

function checkOf(buf: Buffer): Buffer {
  return createHash('sha256').update(buf.subarray(0, CHECKED_BYTES)).digest().subarray(0, CHECK_BYTES);
}

export interface LoadedIndex {
  readonly live: Map<string, PackLocation>;
  /** The live chunks whose add record no commit covers (their pack bytes may not have reached the disk). */
  readonly tentative: Set<string>;
  /** Records replayed (valid ones). */
  readonly records: number;
  /** Records that did not check and were skipped. */
  readonly skipped: number;
}

/** Replays a log's bytes into the live index. */
export function replay(bytes: Buffer): LoadedIndex {
  const live = new Map<string, PackLocation & { readonly logOffset: number }>();
  let committed = 0;
  let records = 0;
  let skipped = 0;
  for (let at = 0; at + RECORD_BYTES <= bytes.length; at += RECORD_BYTES) {
    const record = decodeRecord(bytes.subarray(at, at + RECORD_BYTES));
    if (!record) {
      skipped++;
      continue;
    }
    records++;
    if (record.kind === 'add') live.set(record.digest, { ...record.at, logOffset: at });
    else if (record.kind === 'del') live.delete(record.digest);
    else committed = Math.max(committed, record.upTo);
  }
  const tentative = new Set<string>();
  for (const [digest, at] of live) if (at.logOffset >= committed) tentative.add(digest);
  return { live, tentative, records, skipped };
}

export class IndexLog {
  private readonly group: GroupSync;
  private readonly appends: BatchedAppends;

  private constructor(private readonly fh: FileHandle, private end: number) {
    this.group = new GroupSync(() => this.fh.datasync());
    this.appends = new BatchedAppends(fh, end);
  }

  /**
   * Opens (creating if absent) the log at `path` and replays it. A tail that
   * is not a whole record (a torn append) is cut off; later appends go after
   * the last whole record. `created` tells whether the file was new.
   */
  static async open(path: string): Promise<{ log: IndexLog; index: LoadedIndex; created: boolean }> {
    let fh: FileHandle;
    let created = false;
    try {
      fh = await open(path, 'r+');
    } catch (err) {
      if (!isNotFound(err)) throw err;
      fh = await open(path, 'wx+', 0o644);
      created = true;
    }
    try {
      const bytes = await fh.readFile();
      const whole = bytes.length - (bytes.length % RECORD_BYTES);
      if (whole !== bytes.length) await fh.truncate(whole);
      return { log: new IndexLog(fh, whole), index: replay(bytes.subarray(0, whole)), created };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Bytes in the log (records × 64). */
  get size(): number {
    return this.end;
  }

  /** Appends `records` (written when it resolves, in call order; durable after `sync()`). */
  append(records: readonly IndexRecord[]): Promise<void> {
    const bytes = Buffer.concat(records.map(encodeRecord));
    this.end += bytes.length;
    return this.appends.append(bytes);
  }

  /** Makes every record appended before the call durable (one fdatasync shared by concurrent callers). */
  sync(): Promise<void> {
    return this.group.sync();
  }

  async close(): Promise<void> {
    await this.appends.idle();
    await this.group.idle();
    await this.fh.close();
  }
}
