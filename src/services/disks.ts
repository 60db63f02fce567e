/**
 * Disks: creation (blank or from a snapshot), listing and deletion. The bytes
 * are made by jobs: `disk.create` makes the sparse volume, or begins a lazy
 * restore of the snapshot (served at once, chunks verified as read) and queues
 * `disk.fill` (disk-fill.ts) to copy the rest in; then the disk turns `Available`.
 * Attaching to instances is in disk-attachments.ts. CreateDisk and ResizeDisk record a pay-as-you-go order
 * after the account's checks (commerce/order-gate.ts), in the transaction that records the change.
 */
import { apiError } from '../kernel/errors.js';
import { Ens } from '../kernel/catalog.js';
import { EngineError } from '../engine/engine.js';
import type { DiskFilter, MetadataTx } from '../store/metadata-store.js';
import type { DiskCategory, DiskRecord, DiskStatus, InstanceRecord, Page } from '../store/records.js';
import { GiB, type RequestContext, type ServiceDeps } from './context.js';
import { attachDisk, attachmentJobHandlers, detachDisk, requireInstanceStopped } from './disk-attachments.js';
import { enqueueJob, PermanentJobError, type JobHandler } from './jobs/job-runner.js';
import type { Regions } from './regions.js';
import { checkAccount } from './commerce/order-gate.js';
import { diskTags, putDiskTags, type Tag } from './tags.js';
import { DISK_FILL_JOB, diskFillJob } from './disk-fill.js';

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

/** States whose volume may be resized and reset. */
const SERVABLE: ReadonlySet<DiskStatus> = new Set<DiskStatus>(['Available', 'In-use']);
/** States whose volume may be served over NBD: attaching or detaching does not touch the bytes. */
const NBD_SERVABLE: ReadonlySet<DiskStatus> = new Set<DiskStatus>([...SERVABLE, 'Attaching', 'Detaching']);

export interface DiskPage extends Page<DiskRecord> {
  readonly tags: ReadonlyMap<string, Tag[]>;
  /** The instances the page's disks are attached to, by id. */
  readonly instances: ReadonlyMap<string, InstanceRecord>;
}

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
      await checkAccount(tx, ctx.accountId);
      const now = clock.now();
      await tx.insertDisk({
        id: diskId, accountId: ctx.accountId, regionId: region.id, name: input.name, description: input.description,
        category: input.category, sizeBytes, status: 'Creating', diskType: '2', chargeType: 'postpay',
        sourceSnapshotId: input.snapshotId ?? '', instanceId: '', deleteWithInstance: false, createdAt: now,
        deletedAt: null,
      });
      await putDiskTags(tx, ctx.accountId, diskId, input.tags ?? []);
      // Pay-as-you-go: the order is recorded but CreateDisk answers no OrderId (ens-api.md §2.8).
      await tx.insertOrder({
        id: ids.numericId(15), accountId: ctx.accountId, action: 'CreateDisk', resourceType: 'disk', resourceId: diskId,
        regionId: region.id, chargeType: 'PostPaid', createdAt: now,
      });
      await enqueueJob(tx, ids, now, DISK_CREATE_JOB, { diskId });
    });
    this.deps.jobsQueued();
    return { diskId };
  }

  /** One page of disks with their tags and instances, read in one transaction. */
  async describe(filter: DiskFilter): Promise<DiskPage> {
    return this.deps.store.transaction(async (tx) => {
      const page = await tx.listDisks(filter);
      const instanceIds = [...new Set(page.items.map((d) => d.instanceId).filter((id) => id !== ''))];
      const instances = instanceIds.length === 0 ? [] : await tx.listInstances({ accountId: filter.accountId, instanceIds });
      return {
        ...page, tags: await diskTags(tx, filter.accountId, page.items.map((d) => d.id)),
        instances: new Map(instances.map((i) => [i.id, i])),
      };
    });
  }

  /** AttachDisk: `Available` → `Attaching` → (job) `In-use`. */
  async attach(ctx: RequestContext, diskId: string, instanceId: string, deleteWithInstance: boolean): Promise<void> {
    await attachDisk(this.deps, ctx, diskId, instanceId, deleteWithInstance);
  }

  /** DetachDisk: `In-use` → `Detaching` → (job) `Available`. */
  async detach(ctx: RequestContext, diskId: string, instanceId: string): Promise<void> {
    await detachDisk(this.deps, ctx, diskId, instanceId);
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
      // A disk that failed while attached is still attached: detach it first.
      if (disk.instanceId !== '') throw apiError(Ens.IncorrectDiskStatus, diskId);
      if ((await tx.countSnapshots({ diskId, status: 'creating' })) > 0) throw apiError(Ens.IncorrectDiskStatus, diskId);
      const now = clock.now();
      await tx.updateDisk(diskId, { status: 'Deleted', deletedAt: now });
      await tx.deleteTags('disk', diskId);
      // The region travels with the job: the deleted disk no longer answers getDisk.
      await enqueueJob(tx, ids, now, DISK_DELETE_JOB, { diskId, regionId: disk.regionId });
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
      await checkAccount(tx, ctx.accountId);
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
   * ResetDisk: rolls an `Available` / `In-use` disk back to one of its own `available` snapshots; an attached
   * disk's instance must be `Stopped` (`IncorrectInstanceStatus`). The disk is `ReIniting` until the
   * `disk.reset` job has rewritten the differing chunks (then `In-use` again if attached, else `Available`);
   * its NBD clients are dropped and new ones refused meanwhile.
   */
  async reset(ctx: RequestContext, diskId: string, snapshotId: string): Promise<void> {
    const { store, clock, ids } = this.deps;
    await store.transaction(async (tx) => {
      const disk = await tx.getDisk(diskId, ctx.accountId);
      if (!disk || disk.status === 'Deleted') throw apiError(Ens.DiskNotFound, diskId);
      const snap = await tx.getSnapshot(snapshotId, ctx.accountId);
      if (!snap || snap.status === 'deleted') throw apiError(Ens.SnapshotNotFound, snapshotId);
      // Its own snapshot, in its own node: a CopySnapshot copy elsewhere keeps the disk id but not the bytes here.
      if (snap.diskId !== diskId || snap.regionId !== disk.regionId) throw apiError(Ens.InvalidParameter, 'SnapshotId');
      if (snap.status !== 'available') throw apiError(Ens.SnapshotStatusNotMatch, snapshotId);
      if (!SERVABLE.has(disk.status)) throw apiError(Ens.IncorrectDiskStatus, diskId);
      if ((await tx.countSnapshots({ diskId, status: 'creating' })) > 0) throw apiError(Ens.IncorrectDiskStatus, diskId);
      await requireInstanceStopped(tx, disk);
      const now = clock.now();
      await tx.updateDisk(diskId, { status: DISK_RESETTING });
      await enqueueJob(tx, ids, now, DISK_RESET_JOB, { diskId, snapshotId });
    });
    this.deps.jobsQueued();
  }

  /** Whether the disk's volume may be served over NBD now. */
  async isServable(diskId: string): Promise<boolean> {
    const disk = await this.deps.store.transaction((tx) => tx.getDisk(diskId));
    return disk !== undefined && NBD_SERVABLE.has(disk.status);
  }

  jobHandlers(): Record<string, JobHandler> {
    const { store, ids, clock } = this.deps;
    return {
      [DISK_CREATE_JOB]: {
        run: async (payload) => {
          const disk = await store.transaction((tx) => tx.getDisk(String(payload.diskId)));
          if (!disk || disk.status !== 'Creating') return;
          const engine = this.deps.engines.region(disk.regionId);
          const source = disk.sourceSnapshotId;
          if (source) await engine.beginLazyRestore(source, disk.id, disk.sizeBytes);
          else await engine.createVolume(disk.id, disk.sizeBytes);
          await store.transaction(async (tx) => {
            const now = await tx.getDisk(disk.id);
            if (now?.status !== 'Creating') return;
            await tx.updateDisk(disk.id, { status: 'Available' });
            // In the same transaction: an Available disk made from a snapshot always has its fill queued.
            if (source) await enqueueJob(tx, ids, clock.now(), DISK_FILL_JOB, { diskId: disk.id, snapshotId: source });
          });
          if (source) this.deps.jobsQueued();
        },
        onFailed: async (payload) => {
          await store.transaction((tx) => tx.updateDisk(String(payload.diskId), { status: 'Failed' }));
        },
      },
      [DISK_DELETE_JOB]: {
        run: async (payload) => {
          // The disk is already marked deleted (the store hides it): the region comes with the job; without it
          // (a job queued by an older version) every region is asked (deleting is idempotent).
          const diskId = String(payload.diskId);
          const { engines } = this.deps;
          const regionIds = typeof payload.regionId === 'string' ? [payload.regionId] : engines.regionIds;
          for (const regionId of regionIds) await engines.region(regionId).deleteVolume(diskId);
        },
      },
      [DISK_FILL_JOB]: diskFillJob(this.deps),
      [DISK_RESET_JOB]: this.resetJob(),
      ...attachmentJobHandlers(this.deps),
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
          const current = await tx.getDisk(diskId);
          if (current?.status === DISK_RESETTING) {
            await tx.updateDisk(diskId, { status: current.instanceId ? 'In-use' : 'Available' });
          }
        });
      },
      onFailed: async (payload) => {
        await store.transaction((tx) => tx.updateDisk(String(payload.diskId), { status: 'Failed' }));
      },
    };
  }
}
