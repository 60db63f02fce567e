/**
 * The durable file of one copy-before-write session,
 * `<data>/sessions/<snapshotId>.session`:
 *
 *   line 1   JSON header {format, version, snapshotId, volumeId, sizeBytes, chunkSize, createdAt}
 *   then     one record per captured chunk: `<index> <digest|z> <n|d> <check>\n`
 *            (z = all-zero chunk, not stored; n = newly stored, d = already in the
 *            store; check = first 8 hex of SHA-256 of the text before it),
 *            and at most one change-set line `c …` (session-changes.ts).
 *
 * The header is written atomically (temp + fsync + rename + directory fsync),
 * records are appended in order. `sync()` is a group commit: one fdatasync
 * covers every record whose append completed before the call. On load a torn
 * tail (last line incomplete or failing its check) is cut off; a bad line
 * followed by good ones means the file is corrupt.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { sha256Hex, isDigest } from '../chunks/chunk-store.js';
import { BatchedAppends } from '../support/batched-appends.js';
import { writeFileDurable } from '../support/durable-fs.js';
import { GroupSync } from '../support/group-sync.js';
import type { ChangeSet } from '../volume/dirty-map.js';
import { decodeChanges, encodeChanges, isChangesLine } from './session-changes.js';

export const SESSION_FORMAT = 'edgesnap-cbw-session';

export interface SessionHeader {
  readonly snapshotId: string;
  readonly volumeId: string;
  readonly sizeBytes: number;
  readonly chunkSize: number;
  readonly createdAt: number;
}

export interface CaptureRecord {
  readonly index: number;
  /** SHA-256 of the chunk's point-in-time bytes, or null for an all-zero chunk. */
  readonly digest: string | null;
  /** Whether this capture newly stored the chunk (for storedBytes). */
  readonly stored: boolean;
}

export class SessionFileCorrupt extends Error {
  constructor(path: string, why: string) {
    super(`copy-before-write session file ${path} is corrupt: ${why}`);
    this.name = 'SessionFileCorrupt';
  }
}

export function encodeRecord(record: CaptureRecord): string {
  const body = `${record.index} ${record.digest ?? 'z'} ${record.stored ? 'n' : 'd'}`;
  return `${body} ${sha256Hex(body).slice(0, 8)}\n`;
}

/** The record in `line` (without its newline), or undefined if it is not a valid record. */
export function decodeRecord(line: string): CaptureRecord | undefined {
  const parts = line.split(' ');
  if (parts.length !== 4) return undefined;
  const [index, digest, stored, check] = parts as [string, string, string, string];
  if (sha256Hex(`${index} ${digest} ${stored}`).slice(0, 8) !== check) return undefined;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(index) || (digest !== 'z' && !isDigest(digest))) return undefined;
  if (stored !== 'n' && stored !== 'd') return undefined;
  return { index: Number(index), digest: digest === 'z' ? null : digest, stored: stored === 'n' };
}

/** A capture record or the change-set line, or undefined if `line` is neither. */
function decodeLine(line: string): CaptureRecord | ChangeSet | undefined {
  return isChangesLine(line) ? decodeChanges(line) : decodeRecord(line);
}

function parseHeader(path: string, line: string): SessionHeader {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new SessionFileCorrupt(path, 'unreadable header');
  }
  const { format, version, snapshotId, volumeId, sizeBytes, chunkSize, createdAt } = raw;
  if (format !== SESSION_FORMAT || version !== 1) throw new SessionFileCorrupt(path, 'unknown format');
  if (typeof snapshotId !== 'string' || typeof volumeId !== 'string' || !Number.isSafeInteger(sizeBytes) ||
    !Number.isSafeInteger(chunkSize) || (chunkSize as number) <= 0 || typeof createdAt !== 'number') {
    throw new SessionFileCorrupt(path, 'bad header fields');
  }
  return { snapshotId, volumeId, sizeBytes: sizeBytes as number, chunkSize: chunkSize as number, createdAt };
}

export class SessionLog {
  /** Records go out batched: a capture storm is one write, not thousands. */
  private readonly appends: BatchedAppends;
  private written = 0;
  private durable = 0;
  private readonly group = new GroupSync(() => this.flush());

  private constructor(readonly path: string, private readonly fh: FileHandle) {
    this.appends = new BatchedAppends(fh, null);
  }

  /** Creates the session file durably (header only) and opens it for appending. */
  static async create(path: string, header: SessionHeader, tempDir: string): Promise<SessionLog> {
    const line = JSON.stringify({ format: SESSION_FORMAT, version: 1, ...header }) + '\n';
    await writeFileDurable(path, Buffer.from(line), tempDir);
    return new SessionLog(path, await open(path, 'a'));
  }

  /** Reads a session file, cuts a torn tail, makes what remains durable and opens it for appending. */
  static async load(path: string):
    Promise<{ log: SessionLog; header: SessionHeader; records: CaptureRecord[]; changes: ChangeSet | undefined }> {
    const text = (await readFile(path)).toString('latin1');
    const headerEnd = text.indexOf('\n');
    if (headerEnd < 0) throw new SessionFileCorrupt(path, 'no header');
    const header = parseHeader(path, text.slice(0, headerEnd));
    const records: CaptureRecord[] = [];
    let changes: ChangeSet | undefined;
    let validEnd = headerEnd + 1;
    let torn = false;
    for (let start = validEnd; start < text.length;) {
      const end = text.indexOf('\n', start);
      const decoded = end < 0 ? undefined : decodeLine(text.slice(start, end));
      if (decoded && torn) throw new SessionFileCorrupt(path, `valid record after a bad one at byte ${start}`);
      if (decoded) {
        if ('index' in decoded) records.push(decoded);
        else changes = decoded;
        validEnd = end + 1;
      } else {
        torn = true;
      }
      if (end < 0) break;
      start = end + 1;
    }
    const fh = await open(path, 'r+');
    try {
      if (validEnd < text.length) await fh.truncate(validEnd);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return { log: new SessionLog(path, await open(path, 'a')), header, records, changes };
  }

  /** How many records have been appended (the sequence number of the last one). */
  get appended(): number {
    return this.written;
  }

  /** Whether record number `seq` is known to be on stable storage. */
  isDurable(seq: number): boolean {
    return seq <= this.durable;
  }

  /** Appends `record` (not yet durable). Resolves with its sequence number once written. */
  append(record: CaptureRecord): Promise<number> {
    return this.appendLine(encodeRecord(record));
  }

  /** Appends the session's change set (not yet durable). */
  appendChanges(changes: ChangeSet): Promise<number> {
    return this.appendLine(encodeChanges(changes));
  }

  private async appendLine(text: string): Promise<number> {
    await this.appends.append(Buffer.from(text, 'latin1'));
    return ++this.written; // appends resolve in call order
  }

  /** Makes every record whose append completed before this call durable. */
  sync(): Promise<void> {
    return this.group.sync();
  }

  private async flush(): Promise<void> {
    const upTo = this.written;
    await this.fh.datasync();
    this.durable = Math.max(this.durable, upTo);
  }

  /** Waits for pending appends and syncs, then closes the file (does not delete it). */
  async close(): Promise<void> {
    await this.appends.idle();
    await this.group.idle();
    await this.fh.close();
  }
}
