/**
 * Snapshots: the CreateSnapshot rules and the job that fills a snapshot in.
 *
 * CreateSnapshot fixes the point in time first (the engine's copy-before-write
 * session, durable) and then records snapshot + order + job in one
 * transaction, after the order's checks (commerce/order-gate.ts) in that same transaction; if that transaction fails the session is aborted, so nothing is
 * half-created. The job reads the point-in-time image and moves the snapshot
 * to `available` (or `error` once its retries are spent), metering its stored bytes.
 */
import { apiError } from '../kernel/errors.js';
import { Ens, Spec } from '../kernel/catalog.js';
import { EngineError, type ManifestInfo } from '../engine/engine.js';
import { StoreConflictError, type MetadataTx, type SnapshotFilter } from '../store/metadata-store.js';
import type { DiskRecord, Page, SnapshotRecord } from '../store/records.js';
import type { RequestContext, ServiceDeps } from './context.js';
import { enqueueJob, PermanentJobError, type JobHandler } from './jobs/job-runner.js';
import type { Regions } from './regions.js';
import { DISK_DELETE_JOB, DISK_RESETTING } from './disks.js';
import { fillPending } from './disk-fill.js';
import { checkSnapshotOrder } from './commerce/order-gate.js';
import { recordSnapshotUsage } from './commerce/metering.js';

export interface CreateSnapshotInput {
  regionId: string;
  diskId: string;
  name: string;
  description: string;
}

/** ModifySnapshotAttribute: the fields to change; absent ones are kept. */
export interface SnapshotAttributes {
  name?: string;
  description?: string;
}

export const SNAPSHOT_CREATE_JOB = 'snapshot.create';
export const SNAPSHOT_DELETE_JOB = 'snapshot.delete';

const SNAPSHOTTABLE_DISK_STATES = new Set(['Available', 'In-use']);

export class Snapshots {
  constructor(private readonly deps: ServiceDeps, private readonly regions: Regions) {}

  async create(ctx: RequestContext, input: CreateSnapshotInput): Promise<{ snapshotId: string; orderId: string }> {
    const { store, ids } = this.deps;
    this.regions.require(input.regionId);
    // Checked before the point in time is fixed (no session for a refused order), and again when recorded.
    const disk = await store.transaction((tx) => this.checkOrder(tx, ctx, input));
    const snapshotId = ids.resourceId('s');
    const orderId = ids.numericId(15);
    const engine = this.deps.engines.region(disk.regionId);
    try {
      await engine.beginSnapshot(disk.id, snapshotId);
    } catch (err) {
      if (err instanceof EngineError && err.kind === 'SessionBusy') throw apiError(Spec.SystemConcurrentOperate!);
      throw err;
    }
    try {
      await this.record(ctx, input, snapshotId, orderId);
    } catch (err) {
      await engine.abortSnapshot(snapshotId);
      if (err instanceof StoreConflictError) throw apiError(Spec.SystemConcurrentOperate!);
      throw err;
    }
    this.deps.jobsQueued();
    return { snapshotId, orderId };
  }

  private async record(ctx: RequestContext, input: CreateSnapshotInput, snapshotId: string, orderId: string):
    Promise<void> {
    const { store, clock, ids } = this.deps;
    await store.transaction(async (tx) => {
      const now = clock.now();
      const disk = await this.checkOrder(tx, ctx, input);
      await tx.insertSnapshot({
        id: snapshotId, accountId: ctx.accountId, regionId: disk.regionId, diskId: disk.id,
        diskCategory: disk.category, diskType: disk.diskType, name: input.name, description: input.description,
        status: 'creating', sizeBytes: disk.sizeBytes, orderId, error: '', sourceSnapshotId: '', sourceRegionId: '',
        createdAt: now, deletedAt: null,
      });
      await tx.insertOrder({
        id: orderId, accountId: ctx.accountId, action: 'CreateSnapshot', resourceType: 'snapshot',
        resourceId: snapshotId, regionId: disk.regionId, chargeType: 'PostPaid', createdAt: now,
      });
      await enqueueJob(tx, ids, now, SNAPSHOT_CREATE_JOB, { snapshotId });
    });
  }

  /**
   * The disk, after every check of the order in the caller's transaction: a disk being released
   * (`ProductInstanceReleased`), then the account, the disk's category, sale control and quotas (order-gate.ts),
   * the disk's state, and no other snapshot of it in flight (`SystemConcurrentOperate`).
   */
  private async checkOrder(tx: MetadataTx, ctx: RequestContext, input: CreateSnapshotInput): Promise<DiskRecord> {
    const disk = await tx.getDisk(input.diskId, ctx.accountId);
    if (!disk && await tx.commerce.diskBeingReleased(input.diskId, ctx.accountId, DISK_DELETE_JOB)) {
      throw apiError(Spec.ProductInstanceReleased!);
    }
    if (!disk || disk.regionId !== input.regionId) throw apiError(Ens.DiskNotFound, input.diskId);
    await checkSnapshotOrder(tx, ctx.accountId, disk);
    if (!SNAPSHOTTABLE_DISK_STATES.has(disk.status)) throw apiError(Ens.IncorrectDiskStatus, input.diskId);
    if ((await tx.countSnapshots({ diskId: disk.id, status: 'creating' })) > 0) {
      throw apiError(Spec.SystemConcurrentOperate!);
    }
    return disk;
  }

  async describe(filter: SnapshotFilter): Promise<Page<SnapshotRecord>> {
    return this.deps.store.transaction((tx) => tx.listSnapshots(filter));
  }

  /**
   * Renames / re-describes a snapshot in any state but deleted (a deleted one,
   * like another account's, answers as missing).
   */
  async modifyAttribute(ctx: RequestContext, snapshotId: string, attrs: SnapshotAttributes): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const snap = await tx.getSnapshot(snapshotId, ctx.accountId);
      if (!snap || snap.status === 'deleted') throw apiError(Ens.SnapshotNotFound, snapshotId);
      await tx.updateSnapshot(snapshotId, { name: attrs.name, description: attrs.description });
    });
  }

  /** Marks the snapshot deleted and queues the removal of its manifest. */
  async delete(ctx: RequestContext, snapshotId: string): Promise<void> {
    const { store, clock, ids } = this.deps;
    await store.transaction(async (tx) => {
      const snap = await tx.getSnapshot(snapshotId, ctx.accountId);
      if (!snap) throw apiError(Ens.SnapshotNotFound, snapshotId);
      if (snap.status !== 'available' && snap.status !== 'error') throw apiError(Ens.SnapshotStatusNotMatch, snapshotId);
      // A disk being reset reads its snapshots' manifests: none of them may go meanwhile.
      if ((await tx.getDisk(snap.diskId))?.status === DISK_RESETTING) throw apiError(Ens.SnapshotStatusNotMatch, snapshotId);
      // Disks still made from it: being created, or still filling lazily from its chunks.
      if ((await tx.countDisks({ sourceSnapshotId: snapshotId, status: 'Creating' })) > 0 ||
        await fillPending(tx, snapshotId)) {
        throw apiError(Ens.SnapshotCloneDiskNotNull, snapshotId);
      }
      if ((await tx.countCopies({ sourceSnapshotId: snapshotId, status: 'creating' })) > 0) {
        throw apiError(Ens.SnapshotCopyInProgress, snapshotId);
      }
      const now = clock.now();
      await tx.updateSnapshot(snapshotId, { status: 'deleted', deletedAt: now });
      await enqueueJob(tx, ids, now, SNAPSHOT_DELETE_JOB, { snapshotId, regionId: snap.regionId });
    });
    this.deps.jobsQueued();
  }

  jobHandlers(): Record<string, JobHandler> {
    return { [SNAPSHOT_CREATE_JOB]: this.createJob(), [SNAPSHOT_DELETE_JOB]: this.deleteJob() };
  }

  private createJob(): JobHandler {
    const { store, engines } = this.deps;
    return {
      run: async (payload, { signal }) => {
        const snapshotId = String(payload.snapshotId);
        const snap = await store.transaction((tx) => tx.getSnapshot(snapshotId));
        if (!snap || snap.status !== 'creating') return;
        let info: ManifestInfo;
        try {
          info = await engines.region(snap.regionId).runSnapshot(snapshotId, signal);
        } catch (err) {
          if (err instanceof EngineError && err.kind === 'SessionNotFound') throw new PermanentJobError(err.message);
          throw err;
        }
        await store.transaction(async (tx) => {
          await tx.updateSnapshot(snapshotId, { status: 'available' });
          await recordSnapshotUsage(tx, snap, info, this.deps.clock.now());
        });
      },
      onFailed: async (payload, error) => {
        const snapshotId = String(payload.snapshotId);
        await store.transaction((tx) => tx.updateSnapshot(snapshotId, { status: 'error', error }));
        const snap = await store.transaction((tx) => tx.getSnapshot(snapshotId));
        if (snap) await engines.region(snap.regionId).abortSnapshot(snapshotId);
      },
    };
  }

  private deleteJob(): JobHandler {
    return {
      // The snapshot is already marked deleted (the store hides it), so the region comes with the job; a job
      // queued without it (an older version) asks every region (deleting is idempotent).
      run: async (payload) => {
        const snapshotId = String(payload.snapshotId);
        const { engines } = this.deps;
        const regionIds = typeof payload.regionId === 'string' ? [payload.regionId] : engines.regionIds;
        for (const regionId of regionIds) await engines.region(regionId).deleteSnapshot(snapshotId);
      },
    };
  }

  /**
   * At start-up: a copy-before-write session whose snapshot is not `creating`
   * (the process died between fixing the point in time and recording it) is
   * aborted, so it stops copying.
   */
  async reconcileSessions(): Promise<number> {
    const { store, engines } = this.deps;
    let aborted = 0;
    for (const regionId of engines.regionIds) {
      const engine = engines.region(regionId);
      for (const snapshotId of await engine.listSessions()) {
        const snap = await store.transaction((tx) => tx.getSnapshot(snapshotId));
        if (snap?.status === 'creating') continue;
        await engine.abortSnapshot(snapshotId);
        aborted++;
      }
    }
    return aborted;
  }
}
