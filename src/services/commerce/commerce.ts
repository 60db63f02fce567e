/**
 * The operator's side of commerce (the admin API): billing profiles and top-ups, quotas, region sale control,
 * prices, running the billing job now, the ledger and the orders, local disks.
 */
import { apiError } from '../../kernel/errors.js';
import { Admin, Ens } from '../../kernel/catalog.js';
import type { MetadataTx } from '../../store/metadata-store.js';
import type {
  BillingProfileRecord, LedgerRecord, OrderRecord, PriceRecord, QuotaRecord, RegionSaleRecord,
} from '../../store/records.js';
import type { ServiceDeps } from '../context.js';
import type { Regions } from '../regions.js';
import { Billing, type BillingRun } from './billing.js';
import { billingProfileOf, pricesOf, quotasOf, regionSaleOf } from './defaults.js';
import { registerLocalDisk, type LocalDiskInput } from './local-disks.js';

type Patch<T, K extends keyof T> = Partial<Omit<T, K>>;

export class Commerce {
  readonly billing: Billing;

  constructor(private readonly deps: ServiceDeps, private readonly regions: Regions) {
    this.billing = new Billing(deps);
  }

  private tx<T>(fn: (tx: MetadataTx) => Promise<T>): Promise<T> {
    return this.deps.store.transaction(fn);
  }

  private async requireAccount(tx: MetadataTx, accountId: string): Promise<void> {
    if (!(await tx.getAccount(accountId))) throw apiError(Admin.AccountNotFound, accountId);
  }

  private requireRegion(regionId: string): void {
    if (!this.regions.find(regionId)) throw apiError(Ens.InvalidParameter, 'EnsRegionId');
  }

  async profile(accountId: string): Promise<BillingProfileRecord> {
    return this.tx(async (tx) => {
      await this.requireAccount(tx, accountId);
      return billingProfileOf(tx, accountId);
    });
  }

  async setProfile(accountId: string, patch: Patch<BillingProfileRecord, 'accountId'>): Promise<BillingProfileRecord> {
    return this.tx(async (tx) => {
      await this.requireAccount(tx, accountId);
      const next = { ...(await billingProfileOf(tx, accountId)), ...patch, accountId };
      await tx.commerce.putBillingProfile(next);
      return next;
    });
  }

  /** Adds `amountMilli` (> 0) to the balance. */
  async topUp(accountId: string, amountMilli: number): Promise<BillingProfileRecord> {
    return this.tx(async (tx) => {
      await this.requireAccount(tx, accountId);
      const p = await billingProfileOf(tx, accountId);
      const next = { ...p, balanceMilli: p.balanceMilli + amountMilli };
      await tx.commerce.putBillingProfile(next);
      return next;
    });
  }

  async quotas(accountId: string): Promise<QuotaRecord> {
    return this.tx(async (tx) => {
      await this.requireAccount(tx, accountId);
      return quotasOf(tx, accountId);
    });
  }

  async setQuotas(accountId: string, patch: Patch<QuotaRecord, 'accountId'>): Promise<QuotaRecord> {
    return this.tx(async (tx) => {
      await this.requireAccount(tx, accountId);
      const next = { ...(await quotasOf(tx, accountId)), ...patch, accountId };
      await tx.commerce.putQuotas(next);
      return next;
    });
  }

  async regionSale(regionId: string): Promise<RegionSaleRecord> {
    this.requireRegion(regionId);
    return this.tx((tx) => regionSaleOf(tx, regionId));
  }

  async setRegionSale(regionId: string, patch: Patch<RegionSaleRecord, 'regionId'>): Promise<RegionSaleRecord> {
    this.requireRegion(regionId);
    return this.tx(async (tx) => {
      const next = { ...(await regionSaleOf(tx, regionId)), ...patch, regionId };
      await tx.commerce.putRegionSale(next);
      return next;
    });
  }

  async prices(regionId: string): Promise<PriceRecord> {
    this.requireRegion(regionId);
    return this.tx((tx) => pricesOf(tx, regionId));
  }

  async setPrices(regionId: string, patch: Patch<PriceRecord, 'regionId'>): Promise<PriceRecord> {
    this.requireRegion(regionId);
    return this.tx(async (tx) => {
      const next = { ...(await pricesOf(tx, regionId)), ...patch, regionId };
      await tx.commerce.putPrices(next);
      return next;
    });
  }

  /** Runs the billing job now, up to the clock's now (whole hours only). */
  async runBilling(): Promise<BillingRun> {
    return this.billing.runUpTo(this.deps.clock.now());
  }

  async ledger(accountId?: string): Promise<LedgerRecord[]> {
    return this.tx((tx) => tx.commerce.listLedger(accountId));
  }

  async orders(accountId?: string): Promise<OrderRecord[]> {
    return this.tx((tx) => tx.commerce.listAllOrders(accountId));
  }

  async registerLocalDisk(input: LocalDiskInput): Promise<{ diskId: string }> {
    const region = this.regions.require(input.regionId);
    const result = await this.tx(async (tx) => {
      await this.requireAccount(tx, input.accountId);
      return registerLocalDisk(tx, this.deps, region, input);
    });
    this.deps.jobsQueued();
    return result;
  }
}
