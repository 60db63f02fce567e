/**
 * A ChunkStore on a local filesystem: one file per chunk at
 * `<dir>/<first 2 hex>/<digest>`. A prefix directory is created (and made
 * durable: fsync of `<dir>`) before the first chunk is written into it.
 *
 * put = temp file in the prefix directory → write → fsync → rename → fsync the
 * directory. A chunk already present is not rewritten. Concurrent puts of one
 * digest in this process are serialised, so exactly one of them reports
 * "newly stored". Temp files are named `.tmp-…`, never listed, and removed when
 * a put fails.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, isNotFound, unlinkDurable, writeFileDurable } from '../support/durable-fs.js';
import { KeyedMutex } from '../support/keyed-mutex.js';
import { assertDigest, isDigest, type ChunkStore } from './chunk-store.js';

const PREFIXES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class FsChunkStore implements ChunkStore {
  private readonly putLocks = new KeyedMutex<string>();
  private readonly prefixes = new Map<string, Promise<void>>();

  private constructor(readonly dir: string) {}

  /** Opens (creating if needed) the store rooted at `dir`. */
  static async open(dir: string): Promise<FsChunkStore> {
    await mkdir(dir, { recursive: true });
    return new FsChunkStore(dir);
  }

  /** Where the chunk `digest` lives (whether or not it exists). */
  pathOf(digest: string): string {
    assertDigest(digest);
    return join(this.dir, digest.slice(0, 2), digest);
  }

  async put(digest: string, data: Buffer): Promise<boolean> {
    const path = this.pathOf(digest);
    return this.putLocks.run(digest, () => this.putUnlocked(digest, path, data));
  }

  private async putUnlocked(digest: string, path: string, data: Buffer): Promise<boolean> {
    if (await exists(path)) return false;
    await this.ensurePrefix(digest.slice(0, 2));
    await writeFileDurable(path, data);
    return true;
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

  async get(digest: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(digest));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async has(digest: string): Promise<boolean> {
    return exists(this.pathOf(digest));
  }

  async delete(digest: string): Promise<boolean> {
    return unlinkDurable(this.pathOf(digest));
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
