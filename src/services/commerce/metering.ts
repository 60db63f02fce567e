/**
 * Snapshot storage metering and the price arithmetic of the billing job.
 *
 * Attribution of shared chunks: **first writer pays**. The chunk store is content-addressed per region, so a
 * chunk is written once however many snapshots refer to it; a snapshot is metered at the bytes it newly wrote
 * (the engine's `storedBytes`), a copy at the bytes it newly brought into its destination region. A later
 * snapshot sharing those chunks pays nothing for them (docs/billing.md).
 */
import type { MetadataTx } from '../../store/metadata-store.js';
import type { SnapshotRecord } from '../../store/records.js';

const GIB = 2n ** 30n;

/** The charge, in milli-yuan, of `bytes` for one hour at `milliPerGiBHour`: rounded up to a whole milli-yuan. */
export function hourlyChargeMilli(bytes: number, milliPerGiBHour: number): number {
  if (bytes <= 0 || milliPerGiBHour <= 0) return 0;
  // BigInt: bytes × price can pass 2^53 for large disks.
  return Number((BigInt(bytes) * BigInt(milliPerGiBHour) + GIB - 1n) / GIB);
}

/** Records what the snapshot stores, once (a job rerun keeps the first record). */
export async function recordSnapshotUsage(tx: MetadataTx, snap: SnapshotRecord,
  usage: { storedBytes: number; dataChunks: number }, now: number): Promise<void> {
  await tx.commerce.putSnapshotUsage({
    snapshotId: snap.id, accountId: snap.accountId, regionId: snap.regionId, storedBytes: usage.storedBytes,
    dataChunks: usage.dataChunks, meteredAt: now,
  });
}
