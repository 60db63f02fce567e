/**
 * Garbage collection and scrubbing of one engine's chunk store.
 *
 * collect: note the start time, mark (mark.ts), then sweep every stored chunk
 * not marked, each under the guard (chunk-guard.ts): a chunk pinned by a job in
 * flight, or touched by a put/has since `start - margin`, is spared. Each
 * deletion is durable (the store's delete). One collection at a time; a second
 * call joins the one running.
 *
 * scrub: re-reads every stored chunk (decompressing), re-hashes it and lists
 * the damaged ones, and lists the chunks finished manifests reference that the
 * store lacks. Reports, repairs nothing.
 */
import type { Clock } from '../../kernel/clock.js';
import { EngineError, type GarbageCollection, type ScrubResult } from '../engine.js';
import { sha256Hex, type ChunkStore } from '../chunks/chunk-store.js';
import { forEachLimit } from '../support/pool.js';
import type { ChunkGuard } from './chunk-guard.js';
import { manifestReferences, markReferenced, type MarkDirs } from './mark.js';

export interface GcResult extends GarbageCollection {
  /** Chunks kept because something on disk references them. */
  readonly chunksReferenced: number;
  /** Unreferenced chunks kept because a job in flight pinned or just used them. */
  readonly chunksSpared: number;
  /** Pack files rewritten after the sweep, and the bytes that gave back (stores that compact). */
  readonly packsRemoved: number;
  readonly bytesReclaimed: number;
}

export interface ScrubReport extends ScrubResult {
  readonly damaged: string[];
  readonly missing: string[];
  /** Manifests that do not validate (their references could not be checked). */
  readonly unreadableManifests: string[];
  /** Bytes of the checked chunks in storage and once decompressed: the store's compression ratio. */
  readonly storedBytes: number;
  readonly rawBytes: number;
}

export interface ChunkMaintenanceOptions {
  /** The store itself (not the guarded view: the sweep takes the guard's locks). */
  readonly store: ChunkStore;
  readonly guard: ChunkGuard;
  readonly clock: Clock;
  readonly dirs: MarkDirs;
  /** Deletions and scrub reads in flight. */
  readonly concurrency: number;
}

async function collectList(list: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const digest of list) out.push(digest);
  return out;
}

export class ChunkMaintenance {
  private collecting: Promise<GcResult> | undefined;
  private readonly jobs = new Set<Promise<unknown>>();

  constructor(private readonly options: ChunkMaintenanceOptions) {}

  collectGarbage(signal?: AbortSignal): Promise<GcResult> {
    this.collecting ??= this.track(this.collect(signal)).finally(() => (this.collecting = undefined));
    return this.collecting;
  }

  scrub(signal?: AbortSignal): Promise<ScrubReport> {
    return this.track(this.scrubAll(signal));
  }

  /** Waits for the collections and scrubs in flight (engine close). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.jobs]);
  }

  private track<T>(job: Promise<T>): Promise<T> {
    this.jobs.add(job);
    const forget = (): void => void this.jobs.delete(job);
    job.then(forget, forget);
    return job;
  }

  private async collect(signal: AbortSignal | undefined): Promise<GcResult> {
    const { guard, clock } = this.options;
    const cutoff = clock.now() - guard.marginMs;
    const release = guard.holdTouchesSince(cutoff);
    try {
      return await this.markAndSweep(cutoff, signal);
    } finally {
      release();
    }
  }

  private async markAndSweep(cutoff: number, signal: AbortSignal | undefined): Promise<GcResult> {
    const { store, guard, dirs, concurrency } = this.options;
    const referenced = await markReferenced(dirs, signal);
    const candidates = (await collectList(store.list())).filter((digest) => !referenced.has(digest));
    const deleted: string[] = [];
    let bytesFreed = 0;
    await forEachLimit(candidates, concurrency, async (digest) => {
      const freed = await guard.sweep(digest, cutoff, async () => {
        const size = (await store.storedSize?.(digest)) ?? 0;
        return (await store.delete(digest)) ? size : undefined;
      });
      if (freed === undefined) return;
      deleted.push(digest);
      bytesFreed += freed;
    }, signal);
    signal?.throwIfAborted();
    // Deleted chunks of a pack store still take space until their packs are rewritten.
    const compaction = await store.compact?.();
    return {
      chunksDeleted: deleted.length, bytesFreed,
      chunksReferenced: referenced.size, chunksSpared: candidates.length - deleted.length,
      packsRemoved: compaction?.packsRemoved ?? 0, bytesReclaimed: compaction?.bytesReclaimed ?? 0,
    };
  }

  private async scrubAll(signal: AbortSignal | undefined): Promise<ScrubReport> {
    const { store, dirs, concurrency } = this.options;
    const damaged: string[] = [];
    let checked = 0;
    let storedBytes = 0;
    let rawBytes = 0;
    await forEachLimit(await collectList(store.list()), concurrency, async (digest) => {
      let data: Buffer | undefined;
      try {
        data = await store.get(digest);
      } catch (err) {
        if (!(err instanceof EngineError && err.kind === 'ChunkCorrupt')) throw err;
      }
      const size = await store.storedSize?.(digest);
      if (size === undefined && data === undefined) return; // deleted meanwhile by a collection
      checked++;
      storedBytes += size ?? 0;
      rawBytes += data?.length ?? 0;
      if (data === undefined || sha256Hex(data) !== digest) damaged.push(digest);
    }, signal);
    const { digests, unreadable } = await manifestReferences(dirs.manifests);
    const missing: string[] = [];
    await forEachLimit(digests.keys(), concurrency, async (digest) => {
      if (!(await store.has(digest))) missing.push(digest);
    }, signal);
    return {
      checked, damaged: damaged.sort(), missing: missing.sort(), unreadableManifests: unreadable.sort(), storedBytes, rawBytes,
    };
  }
}
