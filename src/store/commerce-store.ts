/**
 * The commerce part of the metadata store port, reached as `tx.commerce` inside a transaction: billing
 * profiles, quotas, sale control, prices, snapshot metering, the ledger and the billing cursor.
 */
import type {
  BillableResource, BillingProfileRecord, LedgerRecord, PriceRecord, QuotaRecord, RegionSaleRecord,
  SnapshotStats, SnapshotUsageRecord,
} from './commerce-records.js';
import type { OrderRecord } from './records.js';

export interface CommerceTx {
  getBillingProfile(accountId: string): Promise<BillingProfileRecord | undefined>;
  /** Inserts or replaces the account's profile. */
  putBillingProfile(profile: BillingProfileRecord): Promise<void>;
  getQuotas(accountId: string): Promise<QuotaRecord | undefined>;
  putQuotas(quotas: QuotaRecord): Promise<void>;
  getRegionSale(regionId: string): Promise<RegionSaleRecord | undefined>;
  putRegionSale(sale: RegionSaleRecord): Promise<void>;
  getPrices(regionId: string): Promise<PriceRecord | undefined>;
  putPrices(prices: PriceRecord): Promise<void>;

  /** Non-deleted snapshots (copies included) matching every given field. */
  snapshotStats(where: { accountId?: string; regionId?: string }): Promise<SnapshotStats>;
  /** Records a snapshot's usage; a snapshot already metered keeps its first record. */
  putSnapshotUsage(usage: SnapshotUsageRecord): Promise<void>;
  getSnapshotUsage(snapshotId: string): Promise<SnapshotUsageRecord | undefined>;
  /** Whether the account's disk is deleted and its `deleteJobType` job (releasing the volume) not yet done. */
  diskBeingReleased(diskId: string, accountId: string, deleteJobType: string): Promise<boolean>;

  /** Metered snapshots and not-failed disks that existed during some part of [hourStart, hourEnd). */
  billableResources(hourStart: number, hourEnd: number): Promise<BillableResource[]>;
  /** Inserts a ledger row; false (and nothing written) when that resource's hour is already charged. */
  insertLedger(row: LedgerRecord): Promise<boolean>;
  /** Ledger rows, oldest hour first; `accountId` undefined = every account. */
  listLedger(accountId?: string): Promise<LedgerRecord[]>;
  /** Orders in creation order; `accountId` undefined = every account. */
  listAllOrders(accountId?: string): Promise<OrderRecord[]>;
  /** The end of the last hour billed (epoch ms), undefined before the first run. */
  getBilledUntil(): Promise<number | undefined>;
  setBilledUntil(ms: number): Promise<void>;
}
