/**
 * The chunks of one session that guest writes parked in its stage file
 * (stage-file.ts) and the job has not stored yet. The file is created on the
 * first park (a session no guest writes into never has one) and deleted with
 * the session.
 */
import { unlinkDurable } from '../support/durable-fs.js';
import type { Hasher } from '../support/worker-pool.js';
import { StageFile, type StagedChunk } from './stage-file.js';

/** `<snapshotId>.stage` next to `<snapshotId>.session`. */
export function stagePathOf(sessionPath: string): string {
  return sessionPath.replace(/\.session$/, '') + '.stage';
}

export class StagedCaptures {
  private readonly pending = new Map<number, StagedChunk>();
  private file: Promise<StageFile> | undefined;
  /** Chunks parked by this process. */
  parked = 0;
  /** Parks in progress, and who waits for none to be (settled). */
  private parking = 0;
  private readonly idle: (() => void)[] = [];

  constructor(readonly path: string, private readonly chunkSize: number) {}

  /** Reopens the stage file of a reloaded session with its valid slots pending (`recorded` ones dropped). */
  static async load(path: string, chunkSize: number, hasher: Hasher, recorded: (index: number) => boolean):
    Promise<StagedCaptures> {
    const staging = new StagedCaptures(path, chunkSize);
    const loaded = await StageFile.load(path, chunkSize, hasher, (index) => !recorded(index));
    if (loaded) {
      staging.file = Promise.resolve(loaded.stage);
      for (const chunk of loaded.staged) staging.pending.set(chunk.index, chunk);
    }
    return staging;
  }

  /** Chunks parked and not stored yet. */
  get size(): number {
    return this.pending.size;
  }

  pendingChunks(): StagedChunk[] {
    return [...this.pending.values()];
  }

  /** Parks a chunk's bytes durably (one grouped fdatasync shared with concurrent parks). */
  async park(index: number, digest: string, data: Buffer): Promise<void> {
    this.parking++;
    try {
      const stage = await this.stageFile();
      const chunk = await stage.put(index, digest, data);
      await stage.sync();
      this.pending.set(index, chunk);
      this.parked++;
    } finally {
      if (--this.parking === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  /** Resolves when no park is in progress. */
  async settled(): Promise<void> {
    while (this.parking > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  async read(chunk: StagedChunk): Promise<Buffer> {
    return (await this.stageFile()).read(chunk);
  }

  async readInto(chunk: StagedChunk, target: Buffer): Promise<void> {
    return (await this.stageFile()).readInto(chunk, target);
  }

  /** The chunk is stored and recorded in the log: no longer pending. */
  done(index: number): void {
    this.pending.delete(index);
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    if (file) await (await file).close();
  }

  /** Closes and deletes the stage file. */
  async remove(): Promise<void> {
    await this.close().catch(() => undefined);
    await unlinkDurable(this.path);
  }

  private stageFile(): Promise<StageFile> {
    if (!this.file) {
      const creating = StageFile.create(this.path, this.chunkSize);
      this.file = creating;
      creating.catch(() => {
        if (this.file === creating) this.file = undefined;
      });
    }
    return this.file;
  }
}
