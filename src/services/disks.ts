/**
 * Disks: creation (blank or from a snapshot), listing and deletion. The bytes
 * are made by jobs: `disk.create` makes the sparse volume or restores the
 * snapshot into it (verified chunk by chunk), then the disk turns `Available`.
 */
import { apiError } from '../kernel/errors.js';
import { Ens } from '../kernel/catalog.js';
import { EngineError } from '../engine/engine.js';
import type { DiskFilter, MetadataTx } from '../store/metadata-store.js';
import type { DiskCategory, DiskRecord, DiskStatus, Page } from '../store/records.js';
import { GiB, type RequestContext, type ServiceDeps } from './context.js';
import { enqueueJob, PermanentJobError, type JobHandler } from './jobs/job-runner.js';
import type { Regions } from './regions.js';
import { diskTags, putDiskTags, type Tag } from './tags.js';

export interface CreateDiskInput {
  regionId: string;
  category: DiskCategory;
  /** Requested size in GiB; with a snapshot the disk is at least the snapshot's size. */
  sizeGiB?: number;
  snapshotId?: string;
  name: string;
  description: string;
  /** Stored with the disk, in the same transaction (at most 20). */
  tags?: readonly Tag[];
}

export const DISK_CREATE_JOB = 'disk.create';
export const DISK_DELETE_JOB = 'disk.delete';
export const DISK_RESET_JOB = 'disk.reset';

/** ResetDisk's transitional state (ENS's `ReIniting`): the volume is being rolled back and is not served. */
export const DISK_RESETTING: DiskStatus = 'ReIniting';

/** States whose volume may be served over NBD and resized. */
const SERVABLE: ReadonlySet<DiskStatus> = new Set<DiskStatus>(['Available', 'In-use']);

export class Disks {
  constructor(private readonly deps: ServiceDeps, private readonly regions: Regions) {}

  async create(ctx: RequestContext, input: CreateDiskInput): Promise<{ diskId: string }> {
    const { store, clock, ids } = this.deps;
    const region = this.regions.require(input.regionId);
    const diskId = ids.resourceId('d');
    await store.transaction(async (tx) => {
      let sizeBytes = (input.sizeGiB ?? (input.snapshotId ? 0 : region.diskDefaultGiB)) * GiB;
      if (input.snapshotId) {
        const snap = await tx.getSnapshot(input.snapshotId, ctx.accountId);
        if (!snap || snap.regionId !== region.id) throw apiError(Ens.SnapshotNotFound, input.snapshotId);
        if (snap.status !== 'available') throw apiError(Ens.SnapshotStatusNotMatch, input.snapshotId);
        sizeBytes = Math.max(sizeBytes, snap.sizeBytes);
      }
      if (sizeBytes < region.diskMinGiB * GiB || sizeBytes > region.diskMaxGiB * GiB) {
        throw apiError(Ens.InvalidParameter, 'Size');
      }
      const now = clock.now();
      await tx.insertDisk({
        id: diskId, accountId: ctx.accountId, regionId: region.id, name: input.name, description: input.description,
        category: input.category, sizeBytes, status: 'Creating', diskType: '2', chargeType: 'postpay',
        sourceSnapshotId: input.snapshotId ?? '', createdAt: now, deletedAt: null,
      });
      await putDiskTags(tx, ctx.accountId, diskId, input.tags ?? []);
      await enqueueJob(tx, ids, now, DISK_CREATE_JOB, { diskId });
    });
    this.deps.jobsQueued();
    return { diskId };
  }

  /** One page of disks with their tags, read in one transaction. */
  async describe(filter: DiskFilter): Promise<Page<DiskRecord> & { tags: ReadonlyMap<string, Tag[]> }> {
    return this.deps.store.transaction(async (tx) => {
      const page = await tx.listDisks(filter);
      return { ...page, tags: await diskTags(tx, filter.accountId, page.items.map((d) => d.id)) };
    });
  }

  /** Renames a disk in any state but deleted (a deleted one, like another account's, answers as missing). */
  async modifyAttribute(ctx: RequestContext, diskId: string, attrs: { name?: string }): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const disk = await tx.getDisk(diskId, ctx.accountId);
      if (!disk || disk.status === 'Deleted') throw apiError(Ens.DiskNotFound, diskId);
      await tx.updateDisk(diskId, { name: attrs.name });
    });
  }

  async delete(ctx: RequestContext, diskId: string): Promise<void> {
    const { store, clock, ids } = this.deps;
    await store.transaction(async (tx) => {
      const disk = await tx.getDisk(diskId, ctx.accountId);
      if (!disk) throw apiError(Ens.DiskNotFound, diskId);
      if (disk.status !== 'Available' && disk.status !== 'Failed') throw apiError(Ens.IncorrectDiskStatus, diskId);
      if ((await tx.countSnapshots({ diskId, status: 'creating' })) > 0) throw apiError(Ens.IncorrectDiskStatus, diskId);
      const now = clock.now();
      await tx.updateDisk(diskId, { status: 'Deleted', deletedAt: now });
      await tx.deleteTags('disk', diskId);
      await enqueueJob(tx, ids, now, DISK_DELETE_JOB, { diskId });
    });
    this.deps.jobsQueued();
  }

  /**
   * ResizeDisk: grows an `Available` / `In-use` disk to `newSizeGiB` (grow only, up to the region's maximum),
   * not while a snapshot of it is `creating`. The volume grows first (idempotent, never shrinks), then the
   * new size and a `ResizeDisk` order are recorded.
   */
  async resize(ctx: RequestContext, diskId: string, newSizeGiB: number): Promise<{ orderId: string }> {
    const { store, engines, clock, ids } = this.deps;
    const newBytes = newSizeGiB * GiB;
    const check = async (tx: MetadataTx): Promise<DiskRecord> => {
      const disk = await tx.getDisk(diskId, ctx.accountId);
      if (!disk || disk.status === 'Deleted') throw apiError(Ens.DiskNotFound, diskId);
      if (!SERVABLE.has(disk.status)) throw apiError(Ens.IncorrectDiskStatus, diskId);
      if ((await tx.countSnapshots({ diskId, status: 'creating' })) > 0) throw apiError(Ens.IncorrectDiskStatus, diskId);
      if (newBytes <= disk.sizeBytes || newSizeGiB > this.regions.require(disk.regionId).diskMaxGiB) {
        throw apiError(Ens.InvalidParameter, 'NewSize');
      }
      return disk;
    };
    const disk = await store.transaction(check);
    try {
      await engines.region(disk.regionId).resizeVolume(diskId, newBytes);
    } catch (err) {
      if (err instanceof EngineError && err.kind === 'SessionBusy') throw apiError(Ens.IncorrectDiskStatus, diskId);
      throw err;
    }
    const orderId = ids.numericId(15);
    await store.transaction(async (tx) => {
      const disk = await check(tx);
      await tx.updateDisk(diskId, { sizeBytes: newBytes });
      await tx.insertOrder({
        id: orderId, accountId: ctx.accountId, action: 'ResizeDisk', resourceType: 'disk', resourceId: diskId,
        regionId: disk.regionId, chargeType: 'PostPaid', createdAt: clock.now(),
      });
    });
    return { orderId };
  }

  /**
   * ResetDisk: rolls an `Available` / `In-use` disk back to one of its own `available` snapshots (there are no
   * instances, so "its instance is stopped" always holds). The disk is `ReIniting` until the `disk.reset` job
   * has rewritten the differing chunks; its NBD clients are dropped and new ones refused meanwhile.
   */
  async reset(ctx: RequestContext, diskId: string, snapshotId: string): Promise<void> {
    const { store, clock, ids } = this.deps;
    await store.transaction(async (tx) => {
      const disk = await tx.getDisk(diskId, ctx.accountId);
      if (!disk || disk.status === 'Deleted') throw apiError(Ens.DiskNotFound, diskId);
      const snap = await tx.getSnapshot(snapshotId, ctx.accountId);
      if (!snap || snap.status === 'deleted') throw apiError(Ens.SnapshotNotFound, snapshotId);
      if (snap.diskId !== diskId) throw apiError(Ens.InvalidParameter, 'SnapshotId');
      if (snap.status !== 'available') throw apiError(Ens.SnapshotStatusNotMatch, snapshotId);
      if (!SERVABLE.has(disk.status)) throw apiError(Ens.IncorrectDiskStatus, diskId);
      if ((await tx.countSnapshots({ diskId, status: 'creating' })) > 0) throw apiError(Ens.IncorrectDiskStatus, diskId);
      const now = clock.now();
      await tx.updateDisk(diskId, { status: DISK_RESETTING });
      await enqueueJob(tx, ids, now, DISK_RESET_JOB, { diskId, snapshotId });
    });
    this.deps.jobsQueued();
  }

  /** Whether the disk's volume may be served over NBD now. */
  async isServable(diskId: string): Promise<boolean> {
    const disk = await this.deps.store.transaction((tx) => tx.getDisk(diskId));
    return disk !== undefined && SERVABLE.has(disk.status);
  }

  jobHandlers(): Record<string, JobHandler> {
    const { store } = this.deps;
    return {
      [DISK_CREATE_JOB]: {
        run: async (payload, { signal }) => {
          const disk = await store.transaction((tx) => tx.getDisk(String(payload.diskId)));
          if (!disk || disk.status !== 'Creating') return;
          const engine = this.deps.engines.region(disk.regionId);
          if (disk.sourceSnapshotId) await engine.restoreVolume(disk.sourceSnapshotId, disk.id, disk.sizeBytes, signal);
          else await engine.createVolume(disk.id, disk.sizeBytes);
          await store.transaction(async (tx) => {
            const now = await tx.getDisk(disk.id);
            if (now?.status === 'Creating') await tx.updateDisk(disk.id, { status: 'Available' });
          });
        },
        onFailed: async (payload) => {
          await store.transaction((tx) => tx.updateDisk(String(payload.diskId), { status: 'Failed' }));
        },
      },
      [DISK_DELETE_JOB]: {
        run: async (payload) => {
          const disk = await store.transaction((tx) => tx.getDisk(String(payload.diskId)));
          if (disk) await this.deps.engines.region(disk.regionId).deleteVolume(disk.id);
        },
      },
      [DISK_RESET_JOB]: this.resetJob(),
    };
  }

  private resetJob(): JobHandler {
    const { store, engines } = this.deps;
    return {
      run: async (payload, { signal }) => {
        const diskId = String(payload.diskId);
        const disk = await store.transaction((tx) => tx.getDisk(diskId));
        if (disk?.status !== DISK_RESETTING) return;
        try {
          await engines.region(disk.regionId).resetVolume(String(payload.snapshotId), diskId, signal);
        } catch (err) {
          if (err instanceof EngineError && err.kind !== 'SessionBusy') throw new PermanentJobError(err.message);
          throw err;
        }
        await store.transaction(async (tx) => {
          if ((await tx.getDisk(diskId))?.status === DISK_RESETTING) await tx.updateDisk(diskId, { status: 'Available' });
        });
      },
      onFailed: async (payload) => {
        await store.transaction((tx) => tx.updateDisk(String(payload.diskId), { status: 'Failed' }));
      },
    };
  }
}
