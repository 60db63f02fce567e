/**
 * A finished snapshot: `<data>/manifests/<snapshotId>.json`, written atomically.
 *
 *   { version: 1, snapshotId, volumeId, sizeBytes, chunkSize, createdAt,
 *     dataChunks, storedBytes, chunks: [digest | null, …], checksum }
 *
 * `chunks` has one entry per chunk of the volume (null = all-zero chunk, never
 * stored). `checksum` is the hex SHA-256 of
 * `"edgesnap-manifest v1\n<sizeBytes>\n<chunkSize>\n"` followed by each entry
 * (the digest, or `-` for null) and `\n` — it covers the geometry and the list.
 *
 * Optional, outside the checksum (informational; a manifest is always
 * logically full): `parent` — the snapshot whose digests an incremental
 * snapshot reused for unchanged chunks (null: a full read) — and `stats`
 * (chunks/bytes the job read, chunks taken from the parent).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, type ManifestInfo } from '../engine.js';
import { isDigest, sha256Hex } from '../chunks/chunk-store.js';
import { isNotFound, unlinkDurable, writeFileDurable } from '../support/durable-fs.js';

export interface Manifest {
  readonly version: 1;
  readonly snapshotId: string;
  readonly volumeId: string;
  readonly sizeBytes: number;
  readonly chunkSize: number;
  readonly createdAt: number;
  readonly dataChunks: number;
  readonly storedBytes: number;
  readonly chunks: readonly (string | null)[];
  readonly checksum: string;
  readonly parent?: string | null;
  readonly stats?: SnapshotStats;
}

export interface SnapshotStats {
  readonly chunksRead: number;
  readonly bytesRead: number;
  readonly chunksInherited: number;
}

export type ManifestFields = Omit<Manifest, 'version' | 'dataChunks' | 'checksum'>;

export function manifestChecksum(sizeBytes: number, chunkSize: number, chunks: readonly (string | null)[]): string {
  let text = `edgesnap-manifest v1\n${sizeBytes}\n${chunkSize}\n`;
  for (const digest of chunks) text += `${digest ?? '-'}\n`;
  return sha256Hex(text);
}

export function buildManifest(fields: ManifestFields): Manifest {
  const { sizeBytes, chunkSize, chunks } = fields;
  return {
    version: 1,
    ...fields,
    dataChunks: chunks.filter((d) => d !== null).length,
    checksum: manifestChecksum(sizeBytes, chunkSize, chunks),
  };
}

export function manifestInfo(m: Manifest): ManifestInfo {
  return { sizeBytes: m.sizeBytes, chunkSize: m.chunkSize, dataChunks: m.dataChunks, storedBytes: m.storedBytes };
}

function corrupt(where: string, why: string): EngineError {
  return new EngineError('ManifestCorrupt', `manifest ${where} is corrupt: ${why}`);
}

interface ParsedFields {
  readonly snapshotId: string;
  readonly volumeId: string;
  readonly sizeBytes: number;
  readonly chunkSize: number;
  readonly createdAt: number;
  readonly storedBytes: number;
  readonly chunks: unknown[];
  readonly checksum: string;
}

/** The required fields of a parsed manifest, each of its type, or why not. */
function requiredFields(raw: unknown): ParsedFields | string {
  if (typeof raw !== 'object' || raw === null || (raw as Record<string, unknown>).version !== 1) return 'unknown version';
  const { snapshotId, volumeId, sizeBytes, chunkSize, createdAt, storedBytes, chunks, checksum } =
    raw as Record<string, unknown>;
  if (typeof snapshotId !== 'string' || typeof volumeId !== 'string' || typeof createdAt !== 'number' ||
    !isCount(sizeBytes) || !isCount(chunkSize) || chunkSize === 0 || !isCount(storedBytes) ||
    typeof checksum !== 'string' || !Array.isArray(chunks)) {
    return 'missing or mistyped fields';
  }
  return { snapshotId, volumeId, sizeBytes, chunkSize, createdAt, storedBytes, chunks: chunks as unknown[], checksum };
}

/** Parses and fully validates a manifest; throws EngineError('ManifestCorrupt'). */
export function decodeManifest(text: string, where: string): Manifest {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw corrupt(where, 'not JSON');
  }
  const fields = requiredFields(raw);
  if (typeof fields === 'string') throw corrupt(where, fields);
  const { snapshotId, volumeId, sizeBytes, chunkSize, createdAt, storedBytes, chunks, checksum } = fields;
  if (chunks.length !== Math.ceil(sizeBytes / chunkSize)) throw corrupt(where, 'chunk count does not match the size');
  if (!chunks.every((d) => d === null || (typeof d === 'string' && isDigest(d)))) throw corrupt(where, 'bad digest');
  const digests = chunks as (string | null)[];
  if (manifestChecksum(sizeBytes, chunkSize, digests) !== checksum) throw corrupt(where, 'checksum mismatch');
  const manifest = buildManifest({ snapshotId, volumeId, sizeBytes, chunkSize, createdAt, storedBytes, chunks: digests,
    ...optionalFields(raw) });
  if (raw.dataChunks !== manifest.dataChunks) throw corrupt(where, 'dataChunks does not match the list');
  return manifest;
}

/** `parent` and `stats` when present and well-formed (they are informational: bad ones are dropped). */
function optionalFields(raw: Record<string, unknown>): Pick<Manifest, 'parent' | 'stats'> {
  const out: { parent?: string | null; stats?: SnapshotStats } = {};
  if (raw.parent === null || typeof raw.parent === 'string') out.parent = raw.parent;
  const stats = raw.stats as Record<string, unknown> | undefined;
  if (stats && isCount(stats.chunksRead) && isCount(stats.bytesRead) && isCount(stats.chunksInherited)) {
    out.stats = { chunksRead: stats.chunksRead, bytesRead: stats.bytesRead, chunksInherited: stats.chunksInherited };
  }
  return out;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The manifests directory. */
export class ManifestStore {
  constructor(
    private readonly dir: string,
    private readonly tempDir: string,
  ) {}

  pathOf(snapshotId: string): string {
    return join(this.dir, `${snapshotId}.json`);
  }

  /** The manifest, or undefined if absent. Throws ManifestCorrupt if it does not validate. */
  async read(snapshotId: string): Promise<Manifest | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(snapshotId), 'utf8');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const manifest = decodeManifest(text, snapshotId);
    if (manifest.snapshotId !== snapshotId) throw corrupt(snapshotId, 'belongs to another snapshot');
    return manifest;
  }

  /** Writes `manifest` atomically and durably. */
  async write(manifest: Manifest): Promise<void> {
    await writeFileDurable(this.pathOf(manifest.snapshotId), Buffer.from(JSON.stringify(manifest)), this.tempDir);
  }

  async delete(snapshotId: string): Promise<boolean> {
    return unlinkDurable(this.pathOf(snapshotId));
  }
}
