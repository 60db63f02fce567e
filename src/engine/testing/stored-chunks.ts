/**
 * Test access to the chunks an engine stored on disk (`<engine data>/chunks`),
 * read without opening the store (which the engine holds open): where a
 * chunk's bytes are in the pack files, per the durable index log, so a test
 * can read them and damage them in place. Chunks of the older one-file-per-chunk
 * layout (`chunks/<2 hex>/<digest>`) are found as well.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { replay, type PackLocation } from '../chunks/pack/index-log.js';
import { packName } from '../chunks/pack/pack-files.js';
import { RECORD_HEADER_BYTES } from '../chunks/pack/pack-chunk-store.js';
import { isNotFound } from '../support/durable-fs.js';

/** A stored chunk file (codec header and payload) somewhere on disk. */
export interface StoredChunk {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
  /** The chunk file as stored. */
  read(): Promise<Buffer>;
  /** Overwrites the chunk file in place with bytes of the same length. */
  write(bytes: Buffer): Promise<void>;
}

async function liveIndex(chunksDir: string): Promise<Map<string, PackLocation>> {
  try {
    return replay(await readFile(join(chunksDir, 'packs', 'index.log'))).live;
  } catch (err) {
    if (isNotFound(err)) return new Map();
    throw err;
  }
}

/** The chunks stored under `chunksDir` as they are now on disk (one read of the index). */
export class StoredChunks {
  private constructor(private readonly chunksDir: string, private readonly index: Map<string, PackLocation>) {}

  static async load(chunksDir: string): Promise<StoredChunks> {
    return new StoredChunks(chunksDir, await liveIndex(chunksDir));
  }

  /** Where `digest` is stored, or undefined. */
  find(digest: string): Promise<StoredChunk | undefined> {
    return locate(this.chunksDir, this.index, digest);
  }
}

/** Where `digest` is stored under `chunksDir`, or undefined. */
export async function storedChunk(chunksDir: string, digest: string): Promise<StoredChunk | undefined> {
  return locate(chunksDir, await liveIndex(chunksDir), digest);
}

async function locate(chunksDir: string, index: Map<string, PackLocation>, digest: string):
  Promise<StoredChunk | undefined> {
  const at = index.get(digest);
  if (at) {
    return region(join(chunksDir, 'packs', packName(at.pack)), at.offset + RECORD_HEADER_BYTES, at.length);
  }
  const file = join(chunksDir, digest.slice(0, 2), digest);
  try {
    return region(file, 0, (await stat(file)).size);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Like storedChunk, but throws if the chunk is not stored. */
export async function mustFindChunk(chunksDir: string, digest: string): Promise<StoredChunk> {
  const found = await storedChunk(chunksDir, digest);
  if (!found) throw new Error(`chunk ${digest} is not stored under ${chunksDir}`);
  return found;
}

/** The digests stored under `chunksDir` (durably indexed pack records and old-layout files). */
export async function storedDigests(chunksDir: string): Promise<Set<string>> {
  const digests = new Set((await liveIndex(chunksDir)).keys());
  let prefixes: string[];
  try {
    prefixes = (await readdir(chunksDir)).filter((name) => /^[0-9a-f]{2}$/.test(name));
  } catch (err) {
    if (isNotFound(err)) return digests;
    throw err;
  }
  for (const prefix of prefixes) {
    for (const name of await readdir(join(chunksDir, prefix))) if (/^[0-9a-f]{64}$/.test(name)) digests.add(name);
  }
  return digests;
}

function region(path: string, offset: number, length: number): StoredChunk {
  return {
    path, offset, length,
    async read() {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(length);
        await fh.read(buf, 0, length, offset);
        return buf;
      } finally {
        await fh.close();
      }
    },
    async write(bytes) {
      if (bytes.length !== length) throw new RangeError(`${bytes.length} bytes for a stored chunk of ${length}`);
      const fh = await open(path, 'r+');
      try {
        await fh.write(bytes, 0, length, offset);
        await fh.datasync();
      } finally {
        await fh.close();
      }
    },
  };
}
