/**
 * The lazy restores of one engine: their durable state (lazy-restore.ts),
 * loaded at start; the read-through layer installed on each of their volumes
 * when opened; and the background fill, which fills every chunk not filled yet
 * (bounded concurrency, abortable, resumable) and then ends the lazy state.
 * One fill per volume at a time; deleting the volume cancels its fill.
 */
import { readdir } from 'node:fs/promises';
import type { ChunkStore } from '../chunks/chunk-store.js';
import { DirectWriter } from '../support/direct-io.js';
import { unlinkDurable } from '../support/durable-fs.js';
import { consecutiveRuns, runPlan } from '../support/index-runs.js';
import { KeyedMutex } from '../support/keyed-mutex.js';
import { forEachLimit } from '../support/pool.js';
import { isSafeId } from '../support/safe-id.js';
import { syncHasher, type Hasher } from '../support/worker-pool.js';
import { fillRun, LazyVolume, type FillWrite } from '../volume/lazy-volume.js';
import type { Volume } from '../volume/volume.js';
import { LazyRestore, lazyPathsOf } from './lazy-restore.js';
import type { Manifest } from './manifest.js';

export interface FillResult {
  /** Chunks this call wrote (guest writes and earlier runs fill the others). */
  readonly chunksFilled: number;
}

/** How the fill gets the shared Volume (the engine's registry). */
export interface VolumeAccess {
  acquire(volumeId: string): Promise<Volume | undefined>;
  release(volume: Volume): void;
  pathOf(volumeId: string): string;
}

/** Bytes the background fill writes between two fdatasyncs (bounded loss on a crash, few syncs). */
const FILL_BATCH_BYTES = 32 * 1024 * 1024;

/** While guest reads wait on the store, the fill writes one extent per this many of them completed. */
export const GUEST_READS_PER_EXTENT = 4;

interface RunningFill {
  readonly abort: AbortController;
  readonly done: Promise<FillResult>;
}

export class LazyRestores {
  private readonly states = new Map<string, LazyRestore>();
  private readonly fills = new Map<string, RunningFill>();
  /** A fill's extents started while guest reads wait on the store run one at a time (per volume). */
  private readonly stepBack = new KeyedMutex<string>();
  /** Volumes whose fill state could not be loaded: every read, write and fill of them fails (EIO, disk Failed). */
  private readonly broken = new Map<string, Error>();

  constructor(
    private readonly volumesDir: string,
    private readonly tempDir: string,
    private readonly store: ChunkStore,
    private readonly concurrency: number,
    private readonly volumes: VolumeAccess,
    private readonly hasher: Hasher = syncHasher,
  ) {}

  /** Loads the fill state of every volume still being filled (and removes leftovers). */
  async loadAll(): Promise<void> {
    for (const name of await readdir(this.volumesDir)) {
      const match = /^(.+)\.(lazy|filled)$/.exec(name);
      const volumeId = match?.[1];
      if (volumeId === undefined || !isSafeId(volumeId) || this.states.has(volumeId) || this.broken.has(volumeId)) {
        continue;
      }
      try {
        const state = await LazyRestore.load(volumeId, lazyPathsOf(this.volumes.pathOf(volumeId)), this.store, this.hasher);
        if (state) this.states.set(volumeId, state);
      } catch (err) {
        // One unreadable fill state must not keep the engine down, nor serve guessed bytes.
        this.broken.set(volumeId, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  get(volumeId: string): LazyRestore | undefined {
    return this.states.get(volumeId);
  }

  /** Installs the read-through layer on a freshly opened volume that is still being filled. */
  attachTo(volume: Volume): void {
    const state = this.states.get(volume.id);
    if (state) volume.setReadThrough(new LazyVolume(state, volume));
    const broken = this.broken.get(volume.id);
    if (broken) volume.setReadThrough({ read: () => Promise.reject(broken), beforeMutate: () => Promise.reject(broken) });
  }

  /** Creates the volume served from `manifest` (the caller holds its lock and checked it is absent). */
  async begin(manifest: Manifest, volumeId: string, sizeBytes: number): Promise<void> {
    const paths = lazyPathsOf(this.volumes.pathOf(volumeId));
    const state = await LazyRestore.prepare(volumeId, manifest, paths, sizeBytes, this.store, this.tempDir, this.hasher);
    // Known before the file appears: whoever opens the volume first gets the read-through layer.
    this.states.set(volumeId, state);
    this.broken.delete(volumeId);
    try {
      await state.publish(sizeBytes, this.tempDir);
    } catch (err) {
      this.states.delete(volumeId);
      await state.close();
      throw err;
    }
  }

  /**
   * Fills every chunk of `volumeId` not filled yet, then ends its lazy state.
   * A second call while one runs joins it. Resolves at once for a volume with
   * no fill state (the caller checks that the volume exists).
   */
  fill(volumeId: string, signal: AbortSignal): Promise<FillResult> {
    const running = this.fills.get(volumeId);
    if (running) return running.done;
    const broken = this.broken.get(volumeId);
    if (broken) return Promise.reject(broken);
    const state = this.states.get(volumeId);
    if (!state) return Promise.resolve({ chunksFilled: 0 });
    const abort = new AbortController();
    const done = this.run(state, AbortSignal.any([signal, abort.signal]))
      .finally(() => this.fills.delete(volumeId));
    this.fills.set(volumeId, { abort, done });
    return done;
  }

  /**
   * Cancels the fill of `volumeId` (waiting for it to stop) and removes its
   * fill state: the volume is being deleted (the caller closes it first).
   */
  async drop(volumeId: string): Promise<void> {
    await this.stop(volumeId, 'volume deleted');
    if (this.broken.delete(volumeId)) {
      const paths = lazyPathsOf(this.volumes.pathOf(volumeId));
      await unlinkDurable(paths.lazy);
      await unlinkDurable(paths.filled);
    }
    const state = this.states.get(volumeId);
    if (!state) return;
    this.states.delete(volumeId);
    await state.remove();
  }

  /** Stops every fill and closes the fill maps; the files stay for the next start. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.fills.keys()].map((id) => this.stop(id, 'engine closed')));
    await Promise.all([...this.states.values()].map((state) => state.close()));
    this.states.clear();
  }

  private async stop(volumeId: string, why: string): Promise<void> {
    const running = this.fills.get(volumeId);
    if (!running) return;
    running.abort.abort(new Error(`fill of volume ${volumeId} cancelled: ${why}`));
    await running.done.catch(() => undefined);
  }

  private async run(state: LazyRestore, signal: AbortSignal): Promise<FillResult> {
    const { volumes } = this;
    const volume = await volumes.acquire(state.volumeId);
    if (!volume) throw new Error(`volume ${state.volumeId} being filled has no file`);
    let chunksFilled = 0;
    let direct: DirectWriter | undefined;
    try {
      // The fill's bytes bypass the page cache where the file system allows (support/direct-io.ts); the
      // batch's fdatasync on the volume's own handle makes them durable like the others.
      direct = await DirectWriter.open(volume.path);
      const writer = direct;
      const write: FillWrite = async (offset, parts) => {
        if (!(await writer.write(parts, offset))) await volume.writeRaw(offset, parts);
      };
      const todo = state.unfilled();
      const batch = Math.max(1, Math.floor(FILL_BATCH_BYTES / state.chunkSize));
      // A batch is committed while the next one fills; a failed batch still commits what it wrote, then throws.
      let committing: Promise<number> = Promise.resolve(0);
      for (let start = 0; start < todo.length; start += batch) {
        const { written, failure } = await this.fillBatch(state, volume, todo.slice(start, start + batch), write, signal);
        chunksFilled += await committing;
        committing = this.commitBatch(state, volume, written);
        committing.catch(() => undefined); // awaited after the next batch: a failure must not go unhandled meanwhile
        if (failure) {
          await committing;
          throw failure.error;
        }
      }
      chunksFilled += await committing;
      signal.throwIfAborted();
      // Every chunk is in the file and durable: the layer goes, then the state (its files) goes.
      if (this.states.get(state.volumeId) === state) {
        this.states.delete(state.volumeId);
        volume.setReadThrough(undefined);
        await state.remove();
      }
    } finally {
      await direct?.close();
      volumes.release(volume);
    }
    return { chunksFilled };
  }

  /**
   * Fills `indexes` without syncing each; consecutive chunks are fetched
   * together (stored side by side, read at once) and written as one extent.
   * Stopped half-way, it answers what it wrote with the failure.
   */
  private async fillBatch(state: LazyRestore, volume: Volume, indexes: number[], write: FillWrite, signal: AbortSignal):
    Promise<{ written: number[]; failure?: { error: unknown } }> {
    const written: number[] = [];
    const { perRun, inFlight } = runPlan(state.chunkSize, this.concurrency);
    try {
      await forEachLimit(consecutiveRuns(indexes, perRun), inFlight, async (extent) => {
        const fill = (): Promise<number[]> => fillRun(state, volume, extent, write);
        // While the guest waits on reads from the store, one extent at a time, after a few of its reads.
        const yielding = async (): Promise<number[]> => {
          await state.guestReads.yieldTo(GUEST_READS_PER_EXTENT);
          return fill();
        };
        written.push(...await (state.guestReads.inFlight > 0 ? this.stepBack.run(state.volumeId, yielding) : fill()));
      }, signal);
      return { written };
    } catch (error) {
      return { written, failure: { error } };
    }
  }

  /** Makes a batch's chunks filled: one fdatasync of the volume, then their bits (one map flush). */
  private async commitBatch(state: LazyRestore, volume: Volume, written: readonly number[]): Promise<number> {
    await volume.datasync();
    await Promise.all(written.map((index) => state.markFilled(index)));
    return written.length;
  }
}
