/**
 * The commerce rows (migration 7): billing profiles, quotas, region sale control, prices, snapshot metering,
 * the billing ledger. Money is integer **milli-yuan** (1 yuan = 1000); sizes are bytes; times epoch ms.
 */

/** An account's billing profile; an account without a row has the defaults (services/commerce/defaults.ts). */
export interface BillingProfileRecord {
  readonly accountId: string;
  readonly frozen: boolean;
  readonly realNameVerified: boolean;
  readonly basicInfoComplete: boolean;
  /** Milli-yuan; negative when the account owes. */
  readonly balanceMilli: number;
  /** Milli-yuan the balance may go below zero before the account is in arrears. */
  readonly creditLineMilli: number;
}

/** Per-account snapshot quotas. */
export interface QuotaRecord {
  readonly accountId: string;
  /** Snapshots taken of one disk (copies made elsewhere are not counted). */
  readonly snapshotsPerDisk: number;
  /** Snapshots (copies included) of the account in one region. */
  readonly snapshotsPerRegion: number;
  /** Sum of the logical sizes (the disk's size at the snapshot) of the account's snapshots. */
  readonly snapshotCapacityBytes: number;
}

/** Sale control of a region (ENS node). */
export interface RegionSaleRecord {
  readonly regionId: string;
  readonly sellsSnapshots: boolean;
  /** The region's snapshot storage; full when what is stored plus the new snapshot would exceed it. */
  readonly snapshotCapacityBytes: number;
}

/** Pay-as-you-go prices of a region, milli-yuan per GiB-hour. */
export interface PriceRecord {
  readonly regionId: string;
  readonly snapshotMilliPerGiBHour: number;
  readonly diskMilliPerGiBHour: number;
}

/** What a snapshot stores, recorded once when it becomes available. */
export interface SnapshotUsageRecord {
  readonly snapshotId: string;
  readonly accountId: string;
  readonly regionId: string;
  /** Bytes this snapshot newly wrote to its region's chunk store (first writer pays). */
  readonly storedBytes: number;
  readonly dataChunks: number;
  readonly meteredAt: number;
}

/** One charge: one resource for one clock hour. (resourceType, resourceId, hourStart) is unique. */
export interface LedgerRecord {
  readonly accountId: string;
  readonly resourceType: 'snapshot' | 'disk';
  readonly resourceId: string;
  readonly regionId: string;
  readonly hourStart: number;
  readonly quantityBytes: number;
  readonly unitPriceMilli: number;
  readonly amountMilli: number;
  readonly createdAt: number;
}

/** A resource to bill for one hour. */
export interface BillableResource {
  readonly accountId: string;
  readonly resourceType: 'snapshot' | 'disk';
  readonly resourceId: string;
  readonly regionId: string;
  readonly quantityBytes: number;
}

/** Counts and sizes of non-deleted snapshots. */
export interface SnapshotStats {
  readonly count: number;
  /** Sum of logical sizes. */
  readonly logicalBytes: number;
  /** Sum of stored bytes, counting a snapshot not yet metered at its logical size (a reservation). */
  readonly occupiedBytes: number;
}
