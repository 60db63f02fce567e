/**
 * What keeps garbage collection from deleting a chunk that is about to be
 * referenced. The mark phase sees references that are on disk (manifests,
 * session logs, lazy-restore state); two kinds of use are not there yet:
 *
 *  - recent use: a writer that put a chunk, or found it present and skipped
 *    the put, references it a moment later (its session record is appended,
 *    its manifest renamed in). Every put/has through GuardedChunkStore
 *    "touches" the chunk (PBS touches the file's atime; here an in-memory
 *    time, since one process owns the store), and the sweep spares chunks
 *    touched after its start minus REUSE_SAFETY_MARGIN_MS.
 *  - long use: a copy, restore, reset or lazy restore reads a manifest and then
 *    works from its chunk list for minutes or hours, during which the snapshot
 *    may be deleted. Such jobs pin the chunk list (`readPinned`), atomically
 *    with reading the manifest (deleteSnapshot takes the same lock), until done.
 *
 * The sweep checks both under the chunk's lock, the lock every put/has takes,
 * so a put that finds the chunk present cannot interleave with its deletion.
 */
import type { Clock } from '../../kernel/clock.js';
import { KeyedMutex } from '../support/keyed-mutex.js';

/**
 * How long a touch protects a chunk. It must exceed the gap between a writer's
 * put (or has) and its reference reaching disk: a session record is appended
 * within milliseconds, a manifest right after the last chunk. Five minutes
 * covers slow disks under load and clock steps of NTP; a chunk of a snapshot
 * deleted within five minutes of being written is freed by a later collection.
 * The default of the engine's `gcSafetyMarginMs` option (`serve --gc-safety-margin`).
 */
export const REUSE_SAFETY_MARGIN_MS = 5 * 60_000;

/** Throws unless `marginMs` is a usable margin: a finite number of milliseconds ≥ 0. */
export function assertSafetyMargin(marginMs: number): void {
  if (!Number.isFinite(marginMs) || marginMs < 0) {
    throw new RangeError(`GC safety margin ${marginMs} ms must be a finite number of milliseconds >= 0`);
  }
}

export interface PinnedManifest<M> {
  readonly manifest: M;
  /** Drops the pin (idempotent). */
  release(): void;
}

export class ChunkGuard {
  /** digest → time of the last touch; re-touching moves it to the end, so the Map is in touch order. */
  private readonly touched = new Map<string, number>();
  private readonly pins = new Map<string, number>();
  /** Cutoffs of collections in flight → how many. */
  private readonly cutoffs = new Map<number, number>();
  private readonly locks = new KeyedMutex<string>();
  private readonly manifestLocks = new KeyedMutex<string>();

  constructor(private readonly clock: Clock, readonly marginMs: number = REUSE_SAFETY_MARGIN_MS) {
    assertSafetyMargin(marginMs);
  }

  /** Runs a put or has of `digest` under its lock, touching it once done. */
  async use<T>(digest: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(digest, async () => {
      const result = await fn();
      this.touch(digest);
      return result;
    });
  }

  touch(digest: string): void {
    const now = this.clock.now();
    this.touched.delete(digest);
    this.touched.set(digest, now);
    // Forget touches older than any collection could still care about (oldest first): a collection running
    // longer than the margin still needs every touch since its own cutoff.
    const horizon = Math.min(now - this.marginMs, ...this.cutoffs.keys());
    for (const [old, at] of this.touched) {
      if (at >= horizon) break;
      this.touched.delete(old);
    }
  }

  /** A collection with this cutoff starts: touches at or after it are kept until the returned release. */
  holdTouchesSince(cutoff: number): () => void {
    this.cutoffs.set(cutoff, (this.cutoffs.get(cutoff) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.cutoffs.get(cutoff) ?? 1) - 1;
      if (left > 0) this.cutoffs.set(cutoff, left);
      else this.cutoffs.delete(cutoff);
    };
  }

  /** Pins every non-null digest until the returned release is called. */
  pin(digests: Iterable<string | null>): () => void {
    const held = new Set<string>();
    for (const digest of digests) if (digest !== null) held.add(digest);
    for (const digest of held) this.pins.set(digest, (this.pins.get(digest) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const digest of held) {
        const left = (this.pins.get(digest) ?? 1) - 1;
        if (left > 0) this.pins.set(digest, left);
        else this.pins.delete(digest);
      }
    };
  }

  /** Reads a manifest and pins its chunks in one step that deleteSnapshot (`withManifestLock`) cannot split. */
  async readPinned<M extends { readonly chunks: readonly (string | null)[] }>(
    snapshotId: string, read: () => Promise<M | undefined>): Promise<PinnedManifest<M> | undefined> {
    return this.manifestLocks.run(snapshotId, async () => {
      const manifest = await read();
      return manifest && { manifest, release: this.pin(manifest.chunks) };
    });
  }

  /** Runs `fn` (the deletion of a manifest) excluding `readPinned` of the same snapshot. */
  withManifestLock<T>(snapshotId: string, fn: () => Promise<T>): Promise<T> {
    return this.manifestLocks.run(snapshotId, fn);
  }

  isPinned(digest: string): boolean {
    return this.pins.has(digest);
  }

  /**
   * Under the chunk's lock: unless it is pinned or was touched at or after
   * `cutoff`, runs `remove` (which deletes it). Resolves what `remove` did, or
   * undefined if the chunk was spared.
   */
  async sweep<T>(digest: string, cutoff: number, remove: () => Promise<T>): Promise<T | undefined> {
    return this.locks.run(digest, async () => {
      const at = this.touched.get(digest);
      if (this.pins.has(digest) || (at !== undefined && at >= cutoff)) return undefined;
      return remove();
    });
  }
}
