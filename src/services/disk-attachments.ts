/**
 * AttachDisk / DetachDisk: a disk goes `Available` → `Attaching` → `In-use` and back `In-use` →
 * `Detaching` → `Available`. The request records the transitional state (and the instance, so
 * DescribeDisks' `InstanceId` filter finds the disk at once); the `disk.attach` / `disk.detach` job settles
 * it, so a client can watch the intermediate state as it would on ENS. No bytes move: the volume stays
 * where it is and keeps being served over NBD.
 */
import { apiError } from '../kernel/errors.js';
import { Ens } from '../kernel/catalog.js';
import type { DiskPatch, MetadataTx } from '../store/metadata-store.js';
import type { DiskRecord } from '../store/records.js';
import type { RequestContext, ServiceDeps } from './context.js';
import { requireInstance } from './instances.js';
import { enqueueJob, type JobHandler } from './jobs/job-runner.js';

export const DISK_ATTACH_JOB = 'disk.attach';
export const DISK_DETACH_JOB = 'disk.detach';

/** The caller's disk that is not deleted, or `InvalidDiskId.NotFound`. */
async function requireDisk(tx: MetadataTx, ctx: RequestContext, diskId: string): Promise<DiskRecord> {
  const disk = await tx.getDisk(diskId, ctx.accountId);
  if (!disk || disk.status === 'Deleted') throw apiError(Ens.DiskNotFound, diskId);
  return disk;
}

/**
 * Attaches an `Available` disk to an instance of the caller's in the disk's region (ENS: "the disk and the
 * instance must be in the same node"; another region's instance is `InvalidParameter.InstanceId`).
 */
export async function attachDisk(deps: ServiceDeps, ctx: RequestContext, diskId: string, instanceId: string,
  deleteWithInstance: boolean): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const disk = await requireDisk(tx, ctx, diskId);
    const instance = await requireInstance(tx, instanceId, ctx.accountId);
    if (instance.regionId !== disk.regionId) throw apiError(Ens.InvalidParameter, 'InstanceId');
    if (disk.status !== 'Available' || disk.instanceId !== '') throw apiError(Ens.IncorrectDiskStatus, diskId);
    const now = deps.clock.now();
    await tx.updateDisk(diskId, { status: 'Attaching', instanceId, deleteWithInstance });
    await enqueueJob(tx, deps.ids, now, DISK_ATTACH_JOB, { diskId, instanceId });
  });
  deps.jobsQueued();
}

/**
 * Detaches an `In-use` disk from the instance it is attached to (another instance: `InvalidParameter.InstanceId`);
 * a `Failed` attached disk is detached at once.
 */
export async function detachDisk(deps: ServiceDeps, ctx: RequestContext, diskId: string, instanceId: string):
  Promise<void> {
  await deps.store.transaction(async (tx) => {
    const disk = await requireDisk(tx, ctx, diskId);
    await requireInstance(tx, instanceId, ctx.accountId);
    if (disk.status === 'Failed' && disk.instanceId === instanceId) {
      // A disk whose rollback failed while attached: let it go at once (it stays `Failed`, and can be deleted).
      await tx.updateDisk(diskId, { instanceId: '', deleteWithInstance: false });
      return;
    }
    if (disk.status !== 'In-use') throw apiError(Ens.IncorrectDiskStatus, diskId);
    if (disk.instanceId !== instanceId) throw apiError(Ens.InvalidParameter, 'InstanceId');
    await tx.updateDisk(diskId, { status: 'Detaching' });
    await enqueueJob(tx, deps.ids, deps.clock.now(), DISK_DETACH_JOB, { diskId, instanceId });
  });
  deps.jobsQueued();
}

/**
 * ResetDisk's instance rule (ENS: "the instance the disk is attached to must be Stopped"), inside the
 * caller's transaction: a `Running` instance is `IncorrectInstanceStatus`.
 */
export async function requireInstanceStopped(tx: MetadataTx, disk: DiskRecord): Promise<void> {
  if (disk.instanceId === '') return;
  const instance = await tx.getInstance(disk.instanceId);
  if (instance?.status === 'Running') throw apiError(Ens.IncorrectInstanceStatus, disk.instanceId);
}

/** The jobs that settle the transitional states; idempotent (a disk no longer in that state is left alone). */
export function attachmentJobHandlers(deps: ServiceDeps): Record<string, JobHandler> {
  const settle = (from: DiskRecord['status'], patch: DiskPatch): JobHandler => ({
    run: async (payload) => {
      await deps.store.transaction(async (tx) => {
        const disk = await tx.getDisk(String(payload.diskId));
        if (disk?.status === from && disk.instanceId === String(payload.instanceId)) await tx.updateDisk(disk.id, patch);
      });
    },
  });
  return {
    [DISK_ATTACH_JOB]: settle('Attaching', { status: 'In-use' }),
    [DISK_DETACH_JOB]: settle('Detaching', { status: 'Available', instanceId: '', deleteWithInstance: false }),
  };
}
