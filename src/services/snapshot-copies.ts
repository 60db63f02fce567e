/**
 * CopySnapshot: copies an `available` snapshot into other regions (ENS nodes).
 *
 * One new snapshot per destination, recorded `creating` with its order and a
 * `snapshot.copy` job in one transaction; the job copies the manifest and the
 * chunks the destination's store lacks, then marks it `available` (or `error`
 * once its retries are spent). A destination that cannot take a copy (the
 * source's own region, or one whose sale control refuses snapshots) is answered in `UnAllocationId`, the
 * others proceed (`PartSuccess`); when none can, nothing is created and the call fails. The account's
 * checks and quotas (commerce/order-gate.ts) run in the same transaction. The job meters the bytes the copy
 * brought into its region.
 */
import { apiError, type ApiError } from '../kernel/errors.js';
import { Ens } from '../kernel/catalog.js';
import { EngineError, type SnapshotCopyResult } from '../engine/engine.js';
import type { MetadataTx } from '../store/metadata-store.js';
import type { SnapshotRecord } from '../store/records.js';
import type { RequestContext, ServiceDeps } from './context.js';
import { enqueueJob, PermanentJobError, type JobHandler } from './jobs/job-runner.js';
import type { Regions } from './regions.js';
import { checkAccount, checkSnapshotQuotas, snapshotSaleFailure } from './commerce/order-gate.js';
import { recordSnapshotUsage } from './commerce/metering.js';

export const SNAPSHOT_COPY_JOB = 'snapshot.copy';

export interface CopySnapshotInput {
  snapshotId: string;
  destinationRegionIds: readonly string[];
  name: string;
  description: string;
}

export interface CopySnapshotResult {
  /** One new snapshot per destination that took the copy. */
  readonly allocated: readonly { regionId: string; snapshotId: string }[];
  /** Destinations that could not take it. */
  readonly unallocated: readonly { regionId: string }[];
}

/** Engine failures no retry can cure: the source's bytes are gone or damaged. */
const PERMANENT_ENGINE_ERRORS = new Set(['ManifestNotFound', 'ManifestCorrupt', 'ChunkMissing', 'ChunkCorrupt']);

export class SnapshotCopies {
  constructor(private readonly deps: ServiceDeps, private readonly regions: Regions) {}

  async copy(ctx: RequestContext, input: CopySnapshotInput): Promise<CopySnapshotResult> {
    const destinations = [...new Set(input.destinationRegionIds)];
    for (const regionId of destinations) {
      if (!this.regions.find(regionId)) throw apiError(Ens.InvalidParameter, 'DestinationRegionIds');
    }
    const result = await this.deps.store.transaction(async (tx) => {
      const source = await tx.getSnapshot(input.snapshotId, ctx.accountId);
      if (!source || source.status === 'deleted') throw apiError(Ens.SnapshotNotFound, input.snapshotId);
      if (source.status !== 'available') throw apiError(Ens.SnapshotStatusNotMatch, input.snapshotId);
      await checkAccount(tx, ctx.accountId);
      const allocated: { regionId: string; snapshotId: string }[] = [];
      const unallocated: { regionId: string }[] = [];
      let saleRefusal: ApiError | undefined;
      for (const regionId of destinations) {
        const refusal = regionId === source.regionId ? undefined : await snapshotSaleFailure(tx, regionId, source.sizeBytes);
        saleRefusal ??= refusal;
        if (regionId === source.regionId || refusal) {
          unallocated.push({ regionId });
          continue;
        }
        // Quotas fail the whole call (the transaction rolls back the copies recorded so far).
        await checkSnapshotQuotas(tx, ctx.accountId, regionId, source.sizeBytes);
        allocated.push({ regionId, snapshotId: await this.recordCopy(tx, ctx, source, regionId, input) });
      }
      // Nothing to copy anywhere: fail the whole call (nothing was written), with the sale control's answer if
      // a destination refused the copy.
      if (allocated.length === 0) throw saleRefusal ?? apiError(Ens.InvalidParameter, 'DestinationRegionIds');
      return { allocated, unallocated };
    });
    this.deps.jobsQueued();
    return result;
  }

  private async recordCopy(tx: MetadataTx, ctx: RequestContext, source: SnapshotRecord, regionId: string,
    input: CopySnapshotInput): Promise<string> {
    const { clock, ids } = this.deps;
    const now = clock.now();
    const snapshotId = ids.resourceId('s');
    const orderId = ids.numericId(15);
    await tx.insertSnapshot({
      id: snapshotId, accountId: ctx.accountId, regionId, diskId: source.diskId, diskCategory: source.diskCategory,
      diskType: source.diskType, name: input.name, description: input.description, status: 'creating',
      sizeBytes: source.sizeBytes, orderId, error: '', sourceSnapshotId: source.id, sourceRegionId: source.regionId,
      createdAt: now, deletedAt: null,
    });
    await tx.insertOrder({
      id: orderId, accountId: ctx.accountId, action: 'CopySnapshot', resourceType: 'snapshot', resourceId: snapshotId,
      regionId, chargeType: 'PostPaid', createdAt: now,
    });
    await enqueueJob(tx, ids, now, SNAPSHOT_COPY_JOB, { snapshotId });
    return snapshotId;
  }

  jobHandlers(): Record<string, JobHandler> {
    const { store, engines } = this.deps;
    return {
      [SNAPSHOT_COPY_JOB]: {
        run: async (payload, { signal }) => {
          const snap = await store.transaction((tx) => tx.getSnapshot(String(payload.snapshotId)));
          if (!snap || snap.status !== 'creating') return;
          let copied: SnapshotCopyResult;
          try {
            copied = await engines.copySnapshot(
              { regionId: snap.sourceRegionId, snapshotId: snap.sourceSnapshotId },
              { regionId: snap.regionId, snapshotId: snap.id }, signal,
            );
          } catch (err) {
            if (err instanceof EngineError && PERMANENT_ENGINE_ERRORS.has(err.kind)) {
              throw new PermanentJobError(err.message);
            }
            throw err;
          }
          await store.transaction(async (tx) => {
            if ((await tx.getSnapshot(snap.id))?.status !== 'creating') return;
            await tx.updateSnapshot(snap.id, { status: 'available' });
            const source = await tx.commerce.getSnapshotUsage(snap.sourceSnapshotId);
            await recordSnapshotUsage(tx, snap, {
              storedBytes: copied.bytesCopied, dataChunks: source?.dataChunks ?? copied.chunksCopied,
            }, this.deps.clock.now());
          });
        },
        onFailed: async (payload, error) => {
          const snapshotId = String(payload.snapshotId);
          await store.transaction((tx) => tx.updateSnapshot(snapshotId, { status: 'error', error }));
        },
      },
    };
  }
}
