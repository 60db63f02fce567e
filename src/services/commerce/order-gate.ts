/**
 * The checks before a pay-as-you-go order, run inside the transaction that records the resource and its
 * order, so concurrent requests cannot together exceed a quota (the store serialises transactions). Each
 * failure answers the CreateSnapshot specification's code, status and message.
 */
import { apiError, type ApiError } from '../../kernel/errors.js';
import { Spec } from '../../kernel/catalog.js';
import type { MetadataTx } from '../../store/metadata-store.js';
import type { DiskCategory, DiskRecord } from '../../store/records.js';
import { billingProfileOf, quotasOf, regionSaleOf } from './defaults.js';

/** Local disks live on one host's own drive: the snapshot service cannot read them. */
const UNSNAPSHOTTABLE: ReadonlySet<DiskCategory> = new Set<DiskCategory>(['local_ssd', 'local_hdd']);

const spec = (code: string): ApiError => apiError(Spec[code]!);

/** Frozen, in arrears (balance below minus the credit line), not real-name verified, basic information missing. */
export async function checkAccount(tx: MetadataTx, accountId: string): Promise<void> {
  const p = await billingProfileOf(tx, accountId);
  if (p.frozen) throw spec('AccountAliyunAccountFrozen');
  if (p.balanceMilli < -p.creditLineMilli) throw spec('OrderArrearage');
  if (!p.realNameVerified) throw spec('OrderNoRealNameAuthentication');
  if (!p.basicInfoComplete) throw spec('BasicInfoUncompleted');
}

/** Whether the disk's category can be snapshotted at all (`ProductInstanceTypeNotSupported` otherwise). */
export function checkSnapshottable(disk: DiskRecord): void {
  if (UNSNAPSHOTTABLE.has(disk.category)) throw spec('ProductInstanceTypeNotSupported');
}

/**
 * The region's sale control for a new snapshot of `sizeBytes` (logical): the error it fails with, if any.
 * Full = what the region stores (a snapshot not yet metered counts its logical size) plus the new one exceeds
 * the region's capacity.
 */
export async function snapshotSaleFailure(tx: MetadataTx, regionId: string, sizeBytes: number):
  Promise<ApiError | undefined> {
  const sale = await regionSaleOf(tx, regionId);
  if (!sale.sellsSnapshots) return spec('SaleControlVerificationFailedRegion');
  const { occupiedBytes } = await tx.commerce.snapshotStats({ regionId });
  if (occupiedBytes + sizeBytes > sale.snapshotCapacityBytes) return spec('SaleControlVerificationFailedStock');
  return undefined;
}

/**
 * The account's quotas for one more snapshot of `sizeBytes` in `regionId`; `diskId` when it is a snapshot
 * taken of that disk (copies do not count against their source disk).
 */
export async function checkSnapshotQuotas(tx: MetadataTx, accountId: string, regionId: string, sizeBytes: number,
  diskId?: string): Promise<void> {
  const q = await quotasOf(tx, accountId);
  if (diskId !== undefined && (await tx.countSnapshots({ diskId })) >= q.snapshotsPerDisk) throw spec('OrderQuotaExceeded');
  if ((await tx.commerce.snapshotStats({ accountId, regionId })).count >= q.snapshotsPerRegion) {
    throw spec('OrderQuotaExceeded');
  }
  if ((await tx.commerce.snapshotStats({ accountId })).logicalBytes + sizeBytes > q.snapshotCapacityBytes) {
    throw spec('OrderQuotaExceeded');
  }
}

/** Every check of a CreateSnapshot of `disk` except its state (the caller's): account, category, sale, quotas. */
export async function checkSnapshotOrder(tx: MetadataTx, accountId: string, disk: DiskRecord): Promise<void> {
  await checkAccount(tx, accountId);
  checkSnapshottable(disk);
  const sale = await snapshotSaleFailure(tx, disk.regionId, disk.sizeBytes);
  if (sale) throw sale;
  await checkSnapshotQuotas(tx, accountId, disk.regionId, disk.sizeBytes, disk.id);
}
