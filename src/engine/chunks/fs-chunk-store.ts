/**
 * A ChunkStore on a local filesystem: one file per chunk at
 * `<dir>/<first 2 hex>/<digest>`, in the format of codec.ts (header, then the
 * raw bytes or a zstd frame of them, whichever is smaller; files written before
 * compression have no header and still read). A prefix directory is created
 * (and made durable: fsync of `<dir>`) before the first chunk is written into it.
 *
 * put = encode → temp file in the prefix directory → write → fsync → rename →
 * fsync the directory. With `deferSync` the directory fsync waits for `sync()`,
 * which fsyncs each prefix directory with new names once (a snapshot job's
 * thousands of chunks cost one directory fsync per prefix, not one each); a
 * plain put or `has` that finds a chunk whose directory is not synced yet syncs
 * it first. A chunk already present is not rewritten (nor
 * re-encoded). Concurrent puts and deletes of one digest in this process are
 * serialised, so exactly one put reports "newly stored". Temp files are named
 * `.tmp-…`, never listed, and removed when a put fails.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../engine.js';
import { fsyncDir, isNotFound, unlinkDurable, writeFileSynced } from '../support/durable-fs.js';
import { KeyedMutex } from '../support/keyed-mutex.js';
import { assertDigest, isDigest, type ChunkStore, type PutOptions, type PutResult } from './chunk-store.js';
import {
  assertCompressionLevel, ChunkDecodeError, decodeChunk, DEFAULT_COMPRESSION_LEVEL, encodeChunk, type EncodedChunk,
} from './codec.js';

const PREFIXES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const PRESENT: PutResult = { stored: false, storedBytes: 0 };

export interface FsChunkStoreOptions {
  /** zstd level for new chunks: 0 (off) to 19; default 1. */
  readonly compressionLevel?: number;
}

export class FsChunkStore implements ChunkStore {
  private readonly locks = new KeyedMutex<string>();
  private readonly prefixes = new Map<string, Promise<void>>();
  /** Prefix directories holding names not made durable yet (deferred puts). */
  private readonly unsyncedPrefixes = new Set<string>();

  private constructor(readonly dir: string, readonly compressionLevel: number) {}

  /** Opens (creating if needed) the store rooted at `dir`. */
  static async open(dir: string, options: FsChunkStoreOptions = {}): Promise<FsChunkStore> {
    const level = options.compressionLevel ?? DEFAULT_COMPRESSION_LEVEL;
    assertCompressionLevel(level);
    await mkdir(dir, { recursive: true });
    return new FsChunkStore(dir, level);
  }

  /** Where the chunk `digest` lives (whether or not it exists). */
  pathOf(digest: string): string {
    assertDigest(digest);
    return join(this.dir, digest.slice(0, 2), digest);
  }

  async put(digest: string, data: Buffer, options?: PutOptions): Promise<boolean> {
    return (await this.putSized(digest, data, options)).stored;
  }

  putSized(digest: string, data: Buffer, options?: PutOptions): Promise<PutResult> {
    const path = this.pathOf(digest);
    // Encoded under the lock, after the presence check: a dedup hit costs no compression.
    return this.locks.run(digest, () => this.write(digest, path, () => encodeChunk(data, this.compressionLevel), options));
  }

  putEncoded(digest: string, encoded: EncodedChunk, options?: PutOptions): Promise<PutResult> {
    const path = this.pathOf(digest);
    return this.locks.run(digest, () => this.write(digest, path, () => encoded, options));
  }

  private async write(digest: string, path: string, encode: () => EncodedChunk, options: PutOptions | undefined):
    Promise<PutResult> {
    const prefix = digest.slice(0, 2);
    const defer = options?.deferSync === true;
    if ((await sizeOf(path)) !== undefined) {
      if (!defer) await this.syncPrefix(prefix);
      return PRESENT;
    }
    const { file } = encode();
    await this.ensurePrefix(prefix);
    await writeFileSynced(path, file);
    if (defer) this.unsyncedPrefixes.add(prefix);
    else await fsyncDir(join(this.dir, prefix));
    return { stored: true, storedBytes: file.length };
  }

  async sync(): Promise<void> {
    await Promise.all([...this.unsyncedPrefixes].map((prefix) => this.syncPrefix(prefix)));
  }

  /** Prefix directories whose new names wait for `sync()`. */
  get unsyncedDirectories(): number {
    return this.unsyncedPrefixes.size;
  }

  /** fsyncs a prefix directory if it holds names not durable yet. */
  private async syncPrefix(prefix: string): Promise<void> {
    if (!this.unsyncedPrefixes.delete(prefix)) return;
    try {
      await fsyncDir(join(this.dir, prefix));
    } catch (err) {
      this.unsyncedPrefixes.add(prefix);
      throw err;
    }
  }

  /** Creates the prefix directory durably, once per process. */
  private ensurePrefix(prefix: string): Promise<void> {
    let ready = this.prefixes.get(prefix);
    if (!ready) {
      ready = (async () => {
        if ((await mkdir(join(this.dir, prefix), { recursive: true })) !== undefined) await fsyncDir(this.dir);
      })();
      this.prefixes.set(prefix, ready);
      ready.catch(() => this.prefixes.delete(prefix));
    }
    return ready;
  }

  /** The raw bytes (decompressed). Throws EngineError('ChunkCorrupt') if the file does not decode. */
  async get(digest: string): Promise<Buffer | undefined> {
    const file = await this.readFile(digest);
    if (file === undefined) return undefined;
    try {
      return decodeChunk(file);
    } catch (err) {
      if (err instanceof ChunkDecodeError) throw new EngineError('ChunkCorrupt', `chunk ${digest}: ${err.message}`);
      throw err;
    }
  }

  /** The chunk file as stored (header and payload), or undefined. */
  async readFile(digest: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(digest));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async has(digest: string): Promise<boolean> {
    const present = (await sizeOf(this.pathOf(digest))) !== undefined;
    if (present) await this.syncPrefix(digest.slice(0, 2));
    return present;
  }

  async storedSize(digest: string): Promise<number | undefined> {
    return sizeOf(this.pathOf(digest));
  }

  async delete(digest: string): Promise<boolean> {
    const path = this.pathOf(digest);
    return this.locks.run(digest, () => unlinkDurable(path));
  }

  async *list(): AsyncIterable<string> {
    for (const prefix of PREFIXES) {
      let names: string[];
      try {
        names = await readdir(join(this.dir, prefix));
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      for (const name of names) if (isDigest(name) && name.startsWith(prefix)) yield name;
    }
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
