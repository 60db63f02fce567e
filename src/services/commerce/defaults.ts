/**
 * The defaults of every account and region that has no row of its own: a developer can create snapshots and
 * disks at once, without any setup. Money is milli-yuan (1 yuan = 1000), sizes bytes. See docs/billing.md.
 */
import type { BillingProfileRecord, PriceRecord, QuotaRecord, RegionSaleRecord } from '../../store/records.js';
import type { MetadataTx } from '../../store/metadata-store.js';

const TiB = 2 ** 40;

/** Not frozen, verified, complete, balance 0 with a credit line of 1,000,000 yuan. */
export const DEFAULT_BILLING_PROFILE: Omit<BillingProfileRecord, 'accountId'> = {
  frozen: false, realNameVerified: true, basicInfoComplete: true, balanceMilli: 0, creditLineMilli: 1_000_000_000,
};

/** 64 snapshots per disk, 1000 per account and region, 100 TiB of snapshots (logical sizes) per account. */
export const DEFAULT_QUOTAS: Omit<QuotaRecord, 'accountId'> = {
  snapshotsPerDisk: 64, snapshotsPerRegion: 1000, snapshotCapacityBytes: 100 * TiB,
};

/** Every region sells snapshots and stores up to 1024 TiB of them. */
export const DEFAULT_REGION_SALE: Omit<RegionSaleRecord, 'regionId'> = {
  sellsSnapshots: true, snapshotCapacityBytes: 1024 * TiB,
};

/** 1 milli-yuan per GiB-hour of snapshot storage (stored bytes), 2 per GiB-hour of disk (provisioned size). */
export const DEFAULT_PRICES: Omit<PriceRecord, 'regionId'> = {
  snapshotMilliPerGiBHour: 1, diskMilliPerGiBHour: 2,
};

export async function billingProfileOf(tx: MetadataTx, accountId: string): Promise<BillingProfileRecord> {
  return (await tx.commerce.getBillingProfile(accountId)) ?? { accountId, ...DEFAULT_BILLING_PROFILE };
}

export async function quotasOf(tx: MetadataTx, accountId: string): Promise<QuotaRecord> {
  return (await tx.commerce.getQuotas(accountId)) ?? { accountId, ...DEFAULT_QUOTAS };
}

export async function regionSaleOf(tx: MetadataTx, regionId: string): Promise<RegionSaleRecord> {
  return (await tx.commerce.getRegionSale(regionId)) ?? { regionId, ...DEFAULT_REGION_SALE };
}

export async function pricesOf(tx: MetadataTx, regionId: string): Promise<PriceRecord> {
  return (await tx.commerce.getPrices(regionId)) ?? { regionId, ...DEFAULT_PRICES };
}
