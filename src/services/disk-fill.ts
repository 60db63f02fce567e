/**
 * The background fill of a disk created from a snapshot (lazy restore): the
 * disk is `Available` as soon as `disk.create` has begun the restore (the
 * engine serves the chunks not filled yet from the chunk store), and the
 * `disk.fill` job, queued in the same transaction, copies the rest in.
 *
 * While a disk's fill job is pending it still reads its source snapshot's
 * chunks, so DeleteSnapshot of that snapshot is refused (`fillPending`). A disk
 * deleted mid-fill cancels the fill (the engine's deleteVolume stops it; the
 * job then ends quietly). A chunk missing or corrupt in the store fails the
 * fill for good and the disk turns `Failed`. ResizeDisk, ResetDisk, snapshots
 * and attaching work as on any `Available` disk: every path reads through the
 * lazy layer and a write fills its chunk first.
 */
import { EngineError } from '../engine/engine.js';
import type { MetadataTx } from '../store/metadata-store.js';
import type { ServiceDeps } from './context.js';
import { PermanentJobError, type JobHandler } from './jobs/job-runner.js';

export const DISK_FILL_JOB = 'disk.fill';

/** Failures that retrying cannot fix: the source's bytes are gone or wrong. */
const PERMANENT = new Set<EngineError['kind']>(['ChunkMissing', 'ChunkCorrupt', 'ManifestCorrupt']);

/** Whether a disk (not deleted) is still being filled from `snapshotId`. */
export async function fillPending(tx: MetadataTx, snapshotId: string): Promise<boolean> {
  const jobs = [...await tx.listJobs('queued'), ...await tx.listJobs('running')];
  for (const job of jobs) {
    if (job.type !== DISK_FILL_JOB || job.payload.snapshotId !== snapshotId) continue;
    if (await tx.getDisk(String(job.payload.diskId))) return true;
  }
  return false;
}

export function diskFillJob(deps: ServiceDeps): JobHandler {
  const { store, engines } = deps;
  return {
    run: async (payload, { signal }) => {
      const diskId = String(payload.diskId);
      const disk = await store.transaction((tx) => tx.getDisk(diskId));
      if (!disk || disk.status === 'Failed') return;
      try {
        await engines.region(disk.regionId).fillVolume(diskId, signal);
      } catch (err) {
        // Deleted meanwhile: deleteVolume cancelled the fill, nothing is left to do.
        if (!(await store.transaction((tx) => tx.getDisk(diskId)))) return;
        if (err instanceof EngineError && PERMANENT.has(err.kind)) throw new PermanentJobError(err.message);
        throw err;
      }
    },
    onFailed: async (payload) => {
      await store.transaction(async (tx) => {
        const diskId = String(payload.diskId);
        if (await tx.getDisk(diskId)) await tx.updateDisk(diskId, { status: 'Failed' });
      });
    },
  };
}
