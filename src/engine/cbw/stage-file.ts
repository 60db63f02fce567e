/**
 * The staging area of a copy-before-write session,
 * `<data>/sessions/<snapshotId>.stage`: the point-in-time bytes of chunks a
 * guest write was about to change, parked here so that the write proceeds
 * after one grouped fdatasync instead of waiting for the chunk store (encode,
 * a file per chunk, directory syncs). The snapshot job stores them later
 * (session `storeStaged`). QEMU's backup job does the same with a "fleecing"
 * image.
 *
 * Fixed slots: slot k starts at k × (64 + chunkSize). A slot is a 64-byte
 * header — magic "ESTG", data length (u32), chunk index (u48), SHA-256 of the
 * data, first 4 bytes of the SHA-256 of the header so far — then the data.
 * Slots are independent: writers fill reserved slots concurrently, and on load
 * each is checked on its own (header, then the data's digest). A slot that
 * fails the check is a write cut short by a crash; no guest write relied on it,
 * because a guest write waits for a sync started after its slot was written.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { GroupSync } from '../support/group-sync.js';
import { fsyncDir, isNotFound, writeFully } from '../support/durable-fs.js';
import type { Hasher } from '../support/worker-pool.js';

const MAGIC = 0x47545345; // "ESTG" little-endian
/** Bytes before a slot's data. */
export const STAGE_SLOT_HEADER = 64;
const HEADER = STAGE_SLOT_HEADER;
const CHECKED = 48; // magic 4 + length 4 + index 8 + digest 32

/** A chunk parked in the stage file. */
export interface StagedChunk {
  readonly index: number;
  readonly digest: string;
  readonly length: number;
  readonly slot: number;
}

function headerCheck(header: Buffer): Buffer {
  return createHash('sha256').update(header.subarray(0, CHECKED)).digest().subarray(0, 4);
}

function encodeHeader(chunk: StagedChunk): Buffer {
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(chunk.length, 4);
  header.writeUIntLE(chunk.index, 8, 6);
  Buffer.from(chunk.digest, 'hex').copy(header, 16);
  headerCheck(header).copy(header, CHECKED);
  return header;
}

function decodeHeader(header: Buffer, slot: number, chunkSize: number): StagedChunk | undefined {
  if (header.length < HEADER || header.readUInt32LE(0) !== MAGIC) return undefined;
  if (!header.subarray(CHECKED, CHECKED + 4).equals(headerCheck(header))) return undefined;
  const length = header.readUInt32LE(4);
  if (length === 0 || length > chunkSize) return undefined;
  return { index: header.readUIntLE(8, 6), digest: header.subarray(16, 48).toString('hex'), length, slot };
}

export class StageFile {
  private readonly group: GroupSync;

  private constructor(readonly path: string, private readonly fh: FileHandle, private readonly chunkSize: number,
    private nextSlot: number) {
    this.group = new GroupSync(() => this.fh.datasync());
  }

  /** Creates an empty stage file (replacing a leftover one), its name durable. */
  static async create(path: string, chunkSize: number): Promise<StageFile> {
    const fh = await open(path, 'w+', 0o600);
    try {
      await fsyncDir(dirname(path));
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new StageFile(path, fh, chunkSize, 0);
  }

  /**
   * Opens an existing stage file and returns its valid slots (data re-hashed
   * with `hasher`), or undefined if there is none. Slots of chunks `wanted`
   * refuses are skipped unread (the session log already records them). New
   * slots go after the last one.
   */
  static async load(path: string, chunkSize: number, hasher: Hasher, wanted: (index: number) => boolean = () => true):
    Promise<{ stage: StageFile; staged: StagedChunk[] } | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r+');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    try {
      const slotSize = HEADER + chunkSize;
      const slots = Math.ceil((await fh.stat()).size / slotSize);
      const staged: StagedChunk[] = [];
      for (let slot = 0; slot < slots; slot++) {
        const found = await readSlot(fh, slot, chunkSize, hasher, wanted);
        if (found) staged.push(found);
      }
      return { stage: new StageFile(path, fh, chunkSize, slots), staged };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Writes chunk `index` (bytes `data`, SHA-256 `digest`) into a new slot; durable after a later `sync()`. */
  async put(index: number, digest: string, data: Buffer): Promise<StagedChunk> {
    if (data.length === 0 || data.length > this.chunkSize) throw new RangeError(`cannot stage ${data.length} bytes`);
    const chunk: StagedChunk = { index, digest, length: data.length, slot: this.nextSlot++ };
    const position = chunk.slot * (HEADER + this.chunkSize);
    const header = encodeHeader(chunk);
    const { bytesWritten } = await this.fh.writev([header, data], position);
    if (bytesWritten < HEADER + data.length) {
      // A short write (rare on regular files): finish it piece by piece.
      const rest = Buffer.concat([header, data]).subarray(bytesWritten);
      await writeFully(this.fh, rest, position + bytesWritten);
    }
    return chunk;
  }

  /** Makes every slot whose `put` completed before this call durable (group commit). */
  sync(): Promise<void> {
    return this.group.sync();
  }

  /** The bytes of a staged chunk (as written; the caller trusts them: they were verified at load or written here). */
  async read(chunk: StagedChunk): Promise<Buffer> {
    const data = Buffer.allocUnsafe(chunk.length);
    await this.readInto(chunk, data);
    return data;
  }

  /** `read` into `target` (chunk.length bytes). */
  async readInto(chunk: StagedChunk, target: Buffer): Promise<void> {
    const { bytesRead } = await this.fh.read(target, 0, chunk.length, chunk.slot * (HEADER + this.chunkSize) + HEADER);
    if (bytesRead !== chunk.length) throw new Error(`stage file ${this.path}: slot ${chunk.slot} is short`);
  }

  async close(): Promise<void> {
    await this.group.idle();
    await this.fh.close();
  }
}

async function readSlot(fh: FileHandle, slot: number, chunkSize: number, hasher: Hasher,
  wanted: (index: number) => boolean): Promise<StagedChunk | undefined> {
  const position = slot * (HEADER + chunkSize);
  const header = Buffer.alloc(HEADER);
  const { bytesRead } = await fh.read(header, 0, HEADER, position);
  const chunk = decodeHeader(header.subarray(0, bytesRead), slot, chunkSize);
  if (!chunk || !wanted(chunk.index)) return undefined;
  const data = Buffer.allocUnsafe(chunk.length);
  const got = await fh.read(data, 0, chunk.length, position + HEADER);
  if (got.bytesRead !== chunk.length) return undefined;
  return (await hasher(data, false)).digest === chunk.digest ? chunk : undefined;
}
