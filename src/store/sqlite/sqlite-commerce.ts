/**
 * The commerce statements of the SQLite store (migration 7's tables); SqliteTx exposes them as `tx.commerce`.
 */
import type Database from 'better-sqlite3';
import type { CommerceTx } from '../commerce-store.js';
import type {
  BillableResource, BillingProfileRecord, LedgerRecord, PriceRecord, QuotaRecord, RegionSaleRecord,
  SnapshotStats, SnapshotUsageRecord,
} from '../commerce-records.js';
import type { OrderRecord } from '../records.js';
import { orderFromRow, type Row } from './rows.js';

/** Migration 7. Rows are optional: an account / region without one has the service's defaults. */
export const COMMERCE_SCHEMA = `
  CREATE TABLE account_billing (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    frozen INTEGER NOT NULL,
    real_name_verified INTEGER NOT NULL,
    basic_info_complete INTEGER NOT NULL,
    balance_milli INTEGER NOT NULL,
    credit_line_milli INTEGER NOT NULL CHECK (credit_line_milli >= 0)
  );
  CREATE TABLE account_quotas (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    snapshots_per_disk INTEGER NOT NULL CHECK (snapshots_per_disk >= 0),
    snapshots_per_region INTEGER NOT NULL CHECK (snapshots_per_region >= 0),
    snapshot_capacity_bytes INTEGER NOT NULL CHECK (snapshot_capacity_bytes >= 0)
  );
  CREATE TABLE region_sale (
    region_id TEXT PRIMARY KEY,
    sells_snapshots INTEGER NOT NULL,
    snapshot_capacity_bytes INTEGER NOT NULL CHECK (snapshot_capacity_bytes >= 0)
  );
  CREATE TABLE region_prices (
    region_id TEXT PRIMARY KEY,
    snapshot_milli_per_gib_hour INTEGER NOT NULL CHECK (snapshot_milli_per_gib_hour >= 0),
    disk_milli_per_gib_hour INTEGER NOT NULL CHECK (disk_milli_per_gib_hour >= 0)
  );
  CREATE TABLE snapshot_usage (
    snapshot_id TEXT PRIMARY KEY REFERENCES snapshots(id),
    account_id TEXT NOT NULL,
    region_id TEXT NOT NULL,
    stored_bytes INTEGER NOT NULL,
    data_chunks INTEGER NOT NULL,
    metered_at INTEGER NOT NULL
  );
  -- One charge per resource per hour: a rerun of the billing job cannot charge twice.
  CREATE TABLE billing_ledger (
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    hour_start INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    region_id TEXT NOT NULL,
    quantity_bytes INTEGER NOT NULL,
    unit_price_milli INTEGER NOT NULL,
    amount_milli INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (resource_type, resource_id, hour_start)
  );
  CREATE INDEX billing_ledger_by_account ON billing_ledger(account_id, hour_start);
  CREATE TABLE billing_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    billed_until INTEGER NOT NULL
  );
`;

const bool = (v: unknown): boolean => Number(v) === 1;

export class SqliteCommerce implements CommerceTx {
  constructor(private readonly stmt: (sql: string) => Database.Statement) {}

  private one(sql: string, ...args: unknown[]): Row | undefined {
    return this.stmt(sql).get(...args) as Row | undefined;
  }

  async getBillingProfile(accountId: string): Promise<BillingProfileRecord | undefined> {
    const r = this.one('SELECT * FROM account_billing WHERE account_id = ?', accountId);
    return r && {
      accountId, frozen: bool(r.frozen), realNameVerified: bool(r.real_name_verified),
      basicInfoComplete: bool(r.basic_info_complete), balanceMilli: Number(r.balance_milli),
      creditLineMilli: Number(r.credit_line_milli),
    };
  }

  async putBillingProfile(p: BillingProfileRecord): Promise<void> {
    this.stmt(
      `INSERT OR REPLACE INTO account_billing (account_id, frozen, real_name_verified, basic_info_complete,
         balance_milli, credit_line_milli) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(p.accountId, Number(p.frozen), Number(p.realNameVerified), Number(p.basicInfoComplete), p.balanceMilli,
      p.creditLineMilli);
  }

  async getQuotas(accountId: string): Promise<QuotaRecord | undefined> {
    const r = this.one('SELECT * FROM account_quotas WHERE account_id = ?', accountId);
    return r && {
      accountId, snapshotsPerDisk: Number(r.snapshots_per_disk), snapshotsPerRegion: Number(r.snapshots_per_region),
      snapshotCapacityBytes: Number(r.snapshot_capacity_bytes),
    };
  }

  async putQuotas(q: QuotaRecord): Promise<void> {
    this.stmt(
      `INSERT OR REPLACE INTO account_quotas (account_id, snapshots_per_disk, snapshots_per_region,
         snapshot_capacity_bytes) VALUES (?, ?, ?, ?)`,
    ).run(q.accountId, q.snapshotsPerDisk, q.snapshotsPerRegion, q.snapshotCapacityBytes);
  }

  async getRegionSale(regionId: string): Promise<RegionSaleRecord | undefined> {
    const r = this.one('SELECT * FROM region_sale WHERE region_id = ?', regionId);
    return r && {
      regionId, sellsSnapshots: bool(r.sells_snapshots), snapshotCapacityBytes: Number(r.snapshot_capacity_bytes),
    };
  }

  async putRegionSale(s: RegionSaleRecord): Promise<void> {
    this.stmt('INSERT OR REPLACE INTO region_sale (region_id, sells_snapshots, snapshot_capacity_bytes) VALUES (?, ?, ?)')
      .run(s.regionId, Number(s.sellsSnapshots), s.snapshotCapacityBytes);
  }

  async getPrices(regionId: string): Promise<PriceRecord | undefined> {
    const r = this.one('SELECT * FROM region_prices WHERE region_id = ?', regionId);
    return r && {
      regionId, snapshotMilliPerGiBHour: Number(r.snapshot_milli_per_gib_hour),
      diskMilliPerGiBHour: Number(r.disk_milli_per_gib_hour),
    };
  }

  async putPrices(p: PriceRecord): Promise<void> {
    this.stmt(
      `INSERT OR REPLACE INTO region_prices (region_id, snapshot_milli_per_gib_hour, disk_milli_per_gib_hour)
       VALUES (?, ?, ?)`,
    ).run(p.regionId, p.snapshotMilliPerGiBHour, p.diskMilliPerGiBHour);
  }

  async snapshotStats(w: { accountId?: string; regionId?: string }): Promise<SnapshotStats> {
    const r = this.one(
      `SELECT COUNT(*) AS n, COALESCE(SUM(s.size_bytes), 0) AS logical,
         COALESCE(SUM(COALESCE(u.stored_bytes, CASE WHEN s.status = 'creating' THEN s.size_bytes ELSE 0 END)), 0)
           AS occupied
       FROM snapshots s LEFT JOIN snapshot_usage u ON u.snapshot_id = s.id
       WHERE s.deleted_at IS NULL AND (? IS NULL OR s.account_id = ?) AND (? IS NULL OR s.region_id = ?)`,
      w.accountId ?? null, w.accountId ?? null, w.regionId ?? null, w.regionId ?? null,
    );
    return { count: Number(r?.n ?? 0), logicalBytes: Number(r?.logical ?? 0), occupiedBytes: Number(r?.occupied ?? 0) };
  }

  async putSnapshotUsage(u: SnapshotUsageRecord): Promise<void> {
    this.stmt(
      `INSERT OR IGNORE INTO snapshot_usage (snapshot_id, account_id, region_id, stored_bytes, data_chunks, metered_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(u.snapshotId, u.accountId, u.regionId, u.storedBytes, u.dataChunks, u.meteredAt);
  }

  async getSnapshotUsage(snapshotId: string): Promise<SnapshotUsageRecord | undefined> {
    const r = this.one('SELECT * FROM snapshot_usage WHERE snapshot_id = ?', snapshotId);
    return r && {
      snapshotId, accountId: String(r.account_id), regionId: String(r.region_id), storedBytes: Number(r.stored_bytes),
      dataChunks: Number(r.data_chunks), meteredAt: Number(r.metered_at),
    };
  }

  async diskBeingReleased(diskId: string, accountId: string, deleteJobType: string): Promise<boolean> {
    return this.one(
      `SELECT 1 FROM disks d WHERE d.id = ? AND d.account_id = ? AND d.status = 'Deleted' AND EXISTS
         (SELECT 1 FROM jobs j WHERE j.type = ? AND j.status IN ('queued', 'running')
            AND json_extract(j.payload, '$.diskId') = d.id)`,
      diskId, accountId, deleteJobType,
    ) !== undefined;
  }

  async billableResources(hourStart: number, hourEnd: number): Promise<BillableResource[]> {
    const rows = this.stmt(
      `SELECT s.account_id, 'snapshot' AS resource_type, s.id AS resource_id, s.region_id, u.stored_bytes AS quantity
         FROM snapshot_usage u JOIN snapshots s ON s.id = u.snapshot_id
         WHERE u.metered_at < @end AND (s.deleted_at IS NULL OR s.deleted_at > @start)
       UNION ALL
       SELECT account_id, 'disk', id, region_id, size_bytes FROM disks
         WHERE created_at < @end AND (deleted_at IS NULL OR deleted_at > @start) AND status <> 'Failed'
       ORDER BY 1, 2, 3`,
    ).all({ start: hourStart, end: hourEnd }) as Row[];
    return rows.map((r) => ({
      accountId: String(r.account_id), resourceType: String(r.resource_type) as BillableResource['resourceType'],
      resourceId: String(r.resource_id), regionId: String(r.region_id), quantityBytes: Number(r.quantity),
    }));
  }

  async insertLedger(l: LedgerRecord): Promise<boolean> {
    return this.stmt(
      `INSERT OR IGNORE INTO billing_ledger (resource_type, resource_id, hour_start, account_id, region_id,
         quantity_bytes, unit_price_milli, amount_milli, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(l.resourceType, l.resourceId, l.hourStart, l.accountId, l.regionId, l.quantityBytes, l.unitPriceMilli,
      l.amountMilli, l.createdAt).changes === 1;
  }

  async listLedger(accountId?: string): Promise<LedgerRecord[]> {
    const rows = this.stmt(
      `SELECT * FROM billing_ledger WHERE (? IS NULL OR account_id = ?)
       ORDER BY hour_start, account_id, resource_type, resource_id`,
    ).all(accountId ?? null, accountId ?? null) as Row[];
    return rows.map((r) => ({
      accountId: String(r.account_id), resourceType: String(r.resource_type) as LedgerRecord['resourceType'],
      resourceId: String(r.resource_id), regionId: String(r.region_id), hourStart: Number(r.hour_start),
      quantityBytes: Number(r.quantity_bytes), unitPriceMilli: Number(r.unit_price_milli),
      amountMilli: Number(r.amount_milli), createdAt: Number(r.created_at),
    }));
  }

  async listAllOrders(accountId?: string): Promise<OrderRecord[]> {
    return (this.stmt('SELECT * FROM orders WHERE (? IS NULL OR account_id = ?) ORDER BY created_at, id')
      .all(accountId ?? null, accountId ?? null) as Row[]).map(orderFromRow);
  }

  async getBilledUntil(): Promise<number | undefined> {
    const r = this.one('SELECT billed_until FROM billing_state WHERE id = 1');
    return r && Number(r.billed_until);
  }

  async setBilledUntil(ms: number): Promise<void> {
    this.stmt('INSERT OR REPLACE INTO billing_state (id, billed_until) VALUES (1, ?)').run(ms);
  }
}
