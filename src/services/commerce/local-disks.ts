/**
 * Local disks (`local_ssd` / `local_hdd`): ENS sells them with instances, not through CreateDisk, so the
 * operator registers them (admin API). Each is backed by a real volume made by the usual `disk.create` job;
 * CreateSnapshot refuses them (order-gate.ts).
 */
import { apiError } from '../../kernel/errors.js';
import { Ens } from '../../kernel/catalog.js';
import type { MetadataTx } from '../../store/metadata-store.js';
import type { DiskCategory } from '../../store/records.js';
import { GiB, type ServiceDeps } from '../context.js';
import { DISK_CREATE_JOB } from '../disks.js';
import { enqueueJob } from '../jobs/job-runner.js';
import type { Region } from '../regions.js';

export const LOCAL_DISK_CATEGORIES = ['local_ssd', 'local_hdd'] as const satisfies readonly DiskCategory[];

export interface LocalDiskInput {
  accountId: string;
  regionId: string;
  category: (typeof LOCAL_DISK_CATEGORIES)[number];
  sizeGiB: number;
  name: string;
}

export async function registerLocalDisk(tx: MetadataTx, deps: ServiceDeps, region: Region, input: LocalDiskInput):
  Promise<{ diskId: string }> {
  if (!Number.isInteger(input.sizeGiB) || input.sizeGiB < region.diskMinGiB || input.sizeGiB > region.diskMaxGiB) {
    throw apiError(Ens.InvalidParameter, 'SizeGiB');
  }
  const now = deps.clock.now();
  const diskId = deps.ids.resourceId('d');
  await tx.insertDisk({
    id: diskId, accountId: input.accountId, regionId: region.id, name: input.name, description: '',
    category: input.category, sizeBytes: input.sizeGiB * GiB, status: 'Creating', diskType: '2', chargeType: 'postpay',
    sourceSnapshotId: '', instanceId: '', deleteWithInstance: false, createdAt: now, deletedAt: null,
  });
  await enqueueJob(tx, deps.ids, now, DISK_CREATE_JOB, { diskId });
  return { diskId };
}
