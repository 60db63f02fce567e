/**
 * Storage maintenance: garbage collection of the chunk stores (every region's engine) as an hourly job of the job
 * runner, and both GC and scrubbing on demand for the operator (admin API). The engine decides what is safe to
 * delete (src/engine/gc/: a chunk reused or written within its safety margin survives); this only schedules it.
 */
import type { GarbageCollection, ScrubResult } from '../engine/engine.js';
import type { MetadataTx } from '../store/metadata-store.js';
import type { ServiceDeps } from './context.js';
import type { JobHandler } from './jobs/job-runner.js';

export const STORAGE_GC_JOB = 'storage.gc';
/** How often chunks freed by deleted snapshots are collected. */
export const GC_INTERVAL_MS = 3_600_000;

export interface RegionGc extends GarbageCollection { readonly regionId: string }
export interface RegionScrub extends ScrubResult { readonly regionId: string }

export class StorageMaintenance {
  constructor(private readonly deps: ServiceDeps) {}

  /** Collects garbage in each region (all when `regionIds` is absent), one after the other. */
  async collectGarbage(regionIds?: readonly string[], signal?: AbortSignal): Promise<RegionGc[]> {
    const out: RegionGc[] = [];
    for (const regionId of regionIds ?? this.deps.engines.regionIds) {
      const gc = await this.deps.engines.region(regionId).collectGarbage?.(signal);
      if (gc) out.push({ regionId, ...gc });
    }
    return out;
  }

  /** Re-hashes every stored chunk of each region; reports the damaged and missing ones. */
  async scrub(regionIds?: readonly string[], signal?: AbortSignal): Promise<RegionScrub[]> {
    const out: RegionScrub[] = [];
    for (const regionId of regionIds ?? this.deps.engines.regionIds) {
      const report = await this.deps.engines.region(regionId).scrub?.(signal);
      if (report) {
        if (report.damaged.length > 0 || report.missing.length > 0) {
          this.deps.log(`scrub ${regionId}: ${report.damaged.length} damaged, ${report.missing.length} missing chunks`);
        }
        out.push({ regionId, ...report });
      }
    }
    return out;
  }

  /** At start-up (and after a reset): makes sure one GC job is queued for the next interval. */
  async schedule(): Promise<void> {
    await this.deps.store.transaction((tx) => this.enqueueNext(tx));
  }

  private async enqueueNext(tx: MetadataTx): Promise<void> {
    if ((await tx.listJobs('queued')).some((j) => j.type === STORAGE_GC_JOB)) return;
    const now = this.deps.clock.now();
    await tx.enqueueJob({
      id: this.deps.ids.resourceId('job'), type: STORAGE_GC_JOB, payload: {}, maxAttempts: 3, runAfter: now + GC_INTERVAL_MS,
    }, now);
  }

  jobHandlers(): Record<string, JobHandler> {
    return {
      [STORAGE_GC_JOB]: {
        run: async (_payload, { signal }) => {
          for (const gc of await this.collectGarbage(undefined, signal)) {
            if (gc.chunksDeleted > 0) this.deps.log(`gc ${gc.regionId}: ${gc.chunksDeleted} chunks, ${gc.bytesFreed} bytes freed`);
          }
          await this.deps.store.transaction((tx) => this.enqueueNext(tx));
        },
        onFailed: async () => this.deps.store.transaction((tx) => this.enqueueNext(tx)),
      },
    };
  }
}
