/**
 * The change set a snapshot session took over from its volume, kept as one
 * line of the session log (after the header, among the capture records):
 *
 *   c <parent snapshot id | -> <chunkSize> <base64 bitmap of changed chunks> <check>
 *
 * (check = first 8 hex of SHA-256 of the text before it). Appended right after
 * the session is attached; a session without it (crash before it was durable)
 * reads every chunk — correct, only slower.
 */
import { sha256Hex } from '../chunks/chunk-store.js';
import { ChunkBitmap, type ChangeSet } from '../volume/dirty-map.js';

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

export function encodeChanges(changes: ChangeSet): string {
  const body = `c ${changes.parent ?? '-'} ${changes.chunkSize} ${changes.changed.encode() || '='}`;
  return `${body} ${sha256Hex(body).slice(0, 8)}\n`;
}

export function isChangesLine(line: string): boolean {
  return line.startsWith('c ');
}

/** The change set in `line` (without its newline), or undefined if it is not a valid one. */
export function decodeChanges(line: string): ChangeSet | undefined {
  const parts = line.split(' ');
  if (parts.length !== 5) return undefined;
  const [, parent, chunkSize, bits, check] = parts as [string, string, string, string, string];
  if (sha256Hex(parts.slice(0, 4).join(' ')).slice(0, 8) !== check || !/^[1-9][0-9]{0,9}$/.test(chunkSize)) {
    return undefined;
  }
  return {
    parent: parent === '-' ? null : parent,
    chunkSize: Number(chunkSize),
    changed: ChunkBitmap.decode(bits === '=' ? '' : bits),
  };
}
