/**
 * A ChunkStore that appends chunks to pack files (`<dir>/<8 hex>.pack`, about
 * `packTargetBytes` each) and keeps where each one is in an index log
 * (`<dir>/index.log`, index-log.ts), as restic and kopia do: storing a chunk
 * costs a positioned write, and a batch of them one fdatasync per pack written
 * plus one of the index — not a file, a rename and an fsync each. That is what
 * makes small chunks (64 KiB) affordable.
 *
 * A record in a pack: magic `EPK1` · chunk file length u32 · digest (32 bytes)
 * · the chunk file of codec.ts (header, then raw bytes or one zstd frame).
 * `get` checks the record's magic, length and digest against the index entry
 * before decoding, so an entry pointing at the wrong bytes reads as corrupt.
 *
 * Durability: a put writes its record, then its add record into the index
 * log (not synced: a process killed after the put returned still finds the
 * chunk), then (without `deferSync`) syncs. A sync fdatasyncs the packs
 * written since the last one (and the directory, for new packs), then appends
 * a commit record vouching for every add written before the sync began, and
 * fdatasyncs the log. After an unclean stop the adds no commit covers are read
 * back and re-hashed at open (the log may have reached the disk before the
 * packs); the bad ones are dropped. Pack records no add names are dead bytes
 * (compaction reclaims them). A put with `deferSync` is readable and listed
 * at once and durable after the next sync; `has`, or a plain put, that finds
 * such a chunk syncs first.
 *
 * Deleting appends a del record (durable before `delete` resolves); the bytes
 * stay until `compact()` rewrites the packs that are mostly dead.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../../engine.js';
import { fsyncDir, isNotFound, writeFileDurable } from '../../support/durable-fs.js';
import { GroupSync } from '../../support/group-sync.js';
import { KeyedMutex } from '../../support/keyed-mutex.js';
import { assertDigest, sha256Hex, type ChunkStore, type PutOptions, type PutResult } from '../chunk-store.js';
import {
  assertCompressionLevel, ChunkDecodeError, decodeChunk, DEFAULT_COMPRESSION_LEVEL, encodeChunk, HEADER_BYTES, readHeader,
  type EncodedChunk,
} from '../codec.js';
import { encodeRecord, IndexLog, RECORD_BYTES, type IndexRecord, type LoadedIndex, type PackLocation } from './index-log.js';
import { PackFiles } from './pack-files.js';
import { compactPacks, type CompactResult } from './compaction.js';

export { type CompactResult } from './compaction.js';

/** A pack takes new records until it holds this many bytes. */
export const DEFAULT_PACK_TARGET_BYTES = 32 * 1024 * 1024;
/** The index log is rewritten at open when it holds more than this many records per live chunk (and 4096 more). */
const INDEX_REWRITE_RATIO = 2;
const RECORD_MAGIC = Buffer.from('EPK1');
export const RECORD_HEADER_BYTES = 40;
const PRESENT: PutResult = { stored: false, storedBytes: 0 };

export interface PackChunkStoreOptions {
  /** zstd level for new chunks: 0 (off) to 19; default 1. */
  readonly compressionLevel?: number;
  readonly packTargetBytes?: number;
}

interface IndexEntry extends PackLocation {
  /** Whether its add record is durable in the index log. */
  durable: boolean;
}

export class PackChunkStore implements ChunkStore {
  private readonly locks = new KeyedMutex<string>();
  /** Entries whose record is written but whose add record is not in the log yet. */
  private pending: string[] = [];
  private readonly group = new GroupSync(() => this.flush());
  private compacting: Promise<CompactResult> | undefined;

  private constructor(
    readonly dir: string,
    readonly compressionLevel: number,
    private readonly index: Map<string, IndexEntry>,
    private readonly log: IndexLog,
    readonly packs: PackFiles,
  ) {}

  /** Opens (creating if needed) the store rooted at `dir`. */
  static async open(dir: string, options: PackChunkStoreOptions = {}): Promise<PackChunkStore> {
    const level = options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
    assertCompressionLevel(level);
    if ((await mkdir(dir, { recursive: true })) !== undefined) await fsyncDir(join(dir, '..'));
    const packs = await PackFiles.open(dir, options.packTargetBytes ?? DEFAULT_PACK_TARGET_BYTES);
    const logPath = join(dir, 'index.log');
    // Checked before the log is created: an empty index would make every pack look dead to compaction.
    if (packs.sizes.size > 0 && (await stat(logPath).catch(() => undefined)) === undefined) {
      throw new EngineError('ChunkCorrupt', `pack store ${dir}: pack files without ${logPath}`);
    }
    const opened = await IndexLog.open(logPath);
    let { log, index: loaded } = opened;
    if (opened.created) await fsyncDir(dir);
    if (loaded.records > INDEX_REWRITE_RATIO * loaded.live.size + 4096) {
      await log.close();
      await rewriteIndex(logPath, loaded);
      ({ log, index: loaded } = await IndexLog.open(logPath));
    }
    const index = new Map<string, IndexEntry>();
    for (const [digest, at] of loaded.live) index.set(digest, { pack: at.pack, offset: at.offset, length: at.length, durable: true });
    const store = new PackChunkStore(dir, level, index, log, packs);
    if (loaded.tentative.size > 0) await store.verifyTentative(loaded.tentative);
    return store;
  }

  /**
   * After an unclean stop: the adds no commit covers may name pack bytes that
   * never reached the disk. Each is read and re-hashed; the bad ones get a del
   * record, then a commit covers the rest.
   */
  private async verifyTentative(digests: ReadonlySet<string>): Promise<void> {
    const bad: IndexRecord[] = [];
    for (const digest of digests) {
      const data = await this.get(digest).catch(() => undefined);
      if (data && sha256Hex(data) === digest) continue;
      this.index.delete(digest);
      bad.push({ kind: 'del', digest });
    }
    if (bad.length > 0) await this.log.append(bad);
    await this.log.append([{ kind: 'commit', upTo: this.log.size }]);
    await this.log.sync();
  }

  async put(digest: string, data: Buffer, options?: PutOptions): Promise<boolean> {
    return (await this.putSized(digest, data, options)).stored;
  }

  async putSized(digest: string, data: Buffer, options?: PutOptions): Promise<PutResult> {
    assertDigest(digest);
    return this.store(digest, () => encodeChunk(data, this.compressionLevel), options);
  }

  async putEncoded(digest: string, encoded: EncodedChunk, options?: PutOptions): Promise<PutResult> {
    assertDigest(digest);
    return this.store(digest, () => encoded, options);
  }

  private async store(digest: string, encode: () => EncodedChunk, options: PutOptions | undefined): Promise<PutResult> {
    const defer = options?.deferSync === true;
    const result = await this.locks.run(digest, async () => {
      // Encoded after the presence check: a dedup hit costs no compression.
      if (this.index.has(digest)) return PRESENT;
      const { file } = encode();
      await this.append(digest, file);
      return { stored: true, storedBytes: file.length };
    });
    if (!defer && !this.index.get(digest)?.durable) await this.sync();
    return result;
  }

  /** Writes a record for `digest` into the open pack and indexes it (pending until the next sync). */
  private async append(digest: string, file: Buffer): Promise<PackLocation> {
    const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
    RECORD_MAGIC.copy(header, 0);
    header.writeUInt32LE(file.length, 4);
    header.write(digest, 8, 32, 'hex');
    const at = this.packs.reserve(RECORD_HEADER_BYTES + file.length);
    try {
      await this.packs.write(at, [header, file]);
      const entry: IndexEntry = { pack: at.pack, offset: at.offset, length: file.length, durable: false };
      // Written now (a process killed after the put returns still has it), vouched for by the next commit.
      await this.log.append([{ kind: 'add', digest, at: entry }]);
      this.index.set(digest, entry);
      this.pending.push(digest);
      return entry;
    } finally {
      this.packs.settle(at);
    }
  }

  sync(): Promise<void> {
    return this.group.sync();
  }

  /**
   * The packs, then a commit record vouching for every add record written
   * before it (each was written after its pack bytes), then the log.
   */
  private async flush(): Promise<void> {
    const digests = this.pending;
    this.pending = [];
    const entries = digests.map((digest) => this.index.get(digest)).filter((e) => e !== undefined);
    const upTo = this.log.size;
    try {
      await this.packs.sync();
      await this.log.append([{ kind: 'commit', upTo }]);
      await this.log.sync();
    } catch (err) {
      this.pending.push(...digests);
      throw err;
    }
    for (const entry of entries) entry.durable = true;
  }

  async get(digest: string): Promise<Buffer | undefined> {
    const file = await this.readFile(digest);
    if (file === undefined) return undefined;
    try {
      if (!readHeader(file)) throw new ChunkDecodeError('no chunk header');
      return decodeChunk(file);
    } catch (err) {
      if (err instanceof ChunkDecodeError) throw new EngineError('ChunkCorrupt', `chunk ${digest}: ${err.message}`);
      throw err;
    }
  }

  /** The chunk file as stored (codec header and payload), or undefined; ChunkCorrupt if its record does not match. */
  async readFile(digest: string): Promise<Buffer | undefined> {
    assertDigest(digest);
    let entry = this.index.get(digest);
    if (!entry) return undefined;
    let record: Buffer;
    try {
      record = await this.packs.read(entry.pack, entry.offset, RECORD_HEADER_BYTES + entry.length);
    } catch (err) {
      // Compaction moved the chunk and removed its old pack while this read was starting: read it where it is now.
      const moved = this.index.get(digest);
      if (!isNotFound(err) || !moved || moved === entry) throw err;
      entry = moved;
      record = await this.packs.read(entry.pack, entry.offset, RECORD_HEADER_BYTES + entry.length);
    }
    if (record.length !== RECORD_HEADER_BYTES + entry.length || !this.isRecordOf(record, digest, entry.length)) {
      throw new EngineError('ChunkCorrupt', `chunk ${digest}: its record in pack ${entry.pack} at ${entry.offset} does not match`);
    }
    return record.subarray(RECORD_HEADER_BYTES);
  }

  /** Records lying back to back in one pack are read with one preadv (a restore reads them in the order they were stored). */
  async getRawInto(digests: readonly string[], targets: readonly Buffer[]): Promise<boolean[]> {
    const entries = digests.map((digest, i) => {
      assertDigest(digest);
      const entry = this.index.get(digest);
      return entry?.length === HEADER_BYTES + targets[i]!.length ? entry : undefined;
    });
    const runs: number[][] = [];
    entries.forEach((entry, i) => {
      if (!entry) return;
      const run = runs[runs.length - 1];
      const before = run && entries[run[run.length - 1]!]!;
      if (before?.pack === entry.pack && before.offset + RECORD_HEADER_BYTES + before.length === entry.offset) run!.push(i);
      else runs.push([i]);
    });
    const read = digests.map(() => false);
    await Promise.all(runs.map((run) => this.readRawRun(run, digests, targets, entries as PackLocation[], read)));
    return read;
  }

  /** One preadv of the records of chunks `run` (back to back), setting `read[i]` for each raw one now in its target. */
  private async readRawRun(run: readonly number[], digests: readonly string[], targets: readonly Buffer[],
    entries: readonly PackLocation[], read: boolean[]): Promise<void> {
    const heads = run.map(() => Buffer.allocUnsafe(RECORD_HEADER_BYTES + HEADER_BYTES));
    const first = entries[run[0]!]!;
    let bytesRead: number;
    try {
      bytesRead = await this.packs.readv(first.pack, first.offset, run.flatMap((i, k) => [heads[k]!, targets[i]!]));
    } catch (err) {
      if (isNotFound(err)) return; // compaction moved them meanwhile: `get` finds them where they are now
      throw err;
    }
    let end = 0;
    run.forEach((i, k) => {
      const entry = entries[i]!;
      end += RECORD_HEADER_BYTES + entry.length;
      if (bytesRead < end || !this.isRecordOf(heads[k]!, digests[i]!, entry.length)) {
        throw new EngineError('ChunkCorrupt', `chunk ${digests[i]}: its record in pack ${entry.pack} at ${entry.offset} does not match`);
      }
      const header = readHeader(heads[k]!.subarray(RECORD_HEADER_BYTES));
      read[i] = header?.codec === 'raw' && header.rawLength === targets[i]!.length;
    });
  }

  /** Whether `record` starts with the record header of chunk `digest` with a file of `length` bytes. */
  private isRecordOf(record: Buffer, digest: string, length: number): boolean {
    return record.subarray(0, 4).equals(RECORD_MAGIC) && record.readUInt32LE(4) === length
      && record.toString('hex', 8, 40) === digest;
  }

  /** Where the chunk's record is (for diagnostics and tests), or undefined. */
  locate(digest: string): { path: string; offset: number; length: number } | undefined {
    const entry = this.index.get(digest);
    return entry && { path: this.packs.pathOf(entry.pack), offset: entry.offset, length: RECORD_HEADER_BYTES + entry.length };
  }

  async has(digest: string): Promise<boolean> {
    assertDigest(digest);
    const entry = this.index.get(digest);
    if (entry && !entry.durable) await this.sync();
    return entry !== undefined;
  }

  async storedSize(digest: string): Promise<number | undefined> {
    assertDigest(digest);
    return this.index.get(digest)?.length;
  }

  async delete(digest: string): Promise<boolean> {
    assertDigest(digest);
    return this.locks.run(digest, async () => {
      if (!this.index.has(digest)) return false;
      this.index.delete(digest); // its add record is in the log already: the del record comes after it
      await this.log.append([{ kind: 'del', digest }]);
      await this.log.sync();
      return true;
    });
  }

  async *list(): AsyncIterable<string> {
    yield* [...this.index.keys()];
  }

  /** Rewrites the packs whose live records are under half their bytes, then removes them (one run at a time). */
  compact(): Promise<CompactResult> {
    this.compacting ??= this.compactOnce().finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  private compactOnce(): Promise<CompactResult> {
    return compactPacks({
      index: this.index, packs: this.packs, locks: this.locks, recordOverhead: RECORD_HEADER_BYTES,
      move: (digest, file) => this.append(digest, file),
      read: (digest) => this.readFile(digest),
      sync: () => this.sync(),
    });
  }

  /** Bytes in pack files and the index log. */
  get bytesOnDisk(): number {
    let total = this.log.size;
    for (const size of this.packs.sizes.values()) total += size;
    return total;
  }

  async close(): Promise<void> {
    await this.group.idle();
    await this.packs.close();
    await this.log.close();
  }
}

/** Replaces the log with one add record per live chunk and a commit of those no commit covered, atomically. */
async function rewriteIndex(path: string, loaded: LoadedIndex): Promise<void> {
  const trusted = [...loaded.live].filter(([digest]) => !loaded.tentative.has(digest));
  const tentative = [...loaded.live].filter(([digest]) => loaded.tentative.has(digest));
  const records = [
    ...trusted.map(([digest, at]) => encodeRecord({ kind: 'add', digest, at })),
    encodeRecord({ kind: 'commit', upTo: trusted.length * RECORD_BYTES }),
    ...tentative.map(([digest, at]) => encodeRecord({ kind: 'add', digest, at })),
  ];
  await writeFileDurable(path, Buffer.concat(records));
}
