/**
 * Admin routes: commerce. Billing profiles and top-ups, quotas, region sale control and prices, running the
 * billing job now, the ledger and the orders, local disks. Money in integer milli-yuan, sizes in bytes.
 */
import { apiError } from '../../kernel/errors.js';
import { Ens } from '../../kernel/catalog.js';
import { isoSeconds } from '../../kernel/clock.js';
import {
  LOCAL_DISK_CATEGORIES, type BillingProfileRecord, type LedgerRecord, type OrderRecord, type PriceRecord,
  type QuotaRecord, type RegionSaleRecord,
} from '../../services/index.js';
import type { AdminRoute } from './route.js';
import { capitalized, optionalNumber, optionalText, requiredNumber, requiredText } from './fields.js';

type Fields = Readonly<Record<string, unknown>>;
const MAX_MONEY = Number.MAX_SAFE_INTEGER;

function optionalInt(body: Fields, field: string, min: number, max = MAX_MONEY): number | undefined {
  const v = optionalNumber(body, field, min, max);
  if (v !== undefined && !Number.isInteger(v)) throw apiError(Ens.InvalidParameter, capitalized(field));
  return v;
}

function optionalBool(body: Fields, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw apiError(Ens.InvalidParameter, capitalized(field));
  return v;
}

/** Only the fields present (a PUT changes what it names and keeps the rest). */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const profileBody = (p: BillingProfileRecord): Record<string, unknown> => ({
  AccountId: p.accountId, Frozen: p.frozen, RealNameVerified: p.realNameVerified,
  BasicInfoComplete: p.basicInfoComplete, BalanceMilli: p.balanceMilli, CreditLineMilli: p.creditLineMilli,
});
const quotasBody = (q: QuotaRecord): Record<string, unknown> => ({
  AccountId: q.accountId, SnapshotsPerDisk: q.snapshotsPerDisk, SnapshotsPerRegion: q.snapshotsPerRegion,
  SnapshotCapacityBytes: q.snapshotCapacityBytes,
});
const saleBody = (s: RegionSaleRecord): Record<string, unknown> => ({
  EnsRegionId: s.regionId, SellsSnapshots: s.sellsSnapshots, SnapshotCapacityBytes: s.snapshotCapacityBytes,
});
const pricesBody = (p: PriceRecord): Record<string, unknown> => ({
  EnsRegionId: p.regionId, SnapshotMilliPerGiBHour: p.snapshotMilliPerGiBHour,
  DiskMilliPerGiBHour: p.diskMilliPerGiBHour,
});
const ledgerBody = (l: LedgerRecord): Record<string, unknown> => ({
  AccountId: l.accountId, ResourceType: l.resourceType, ResourceId: l.resourceId, EnsRegionId: l.regionId,
  HourStart: isoSeconds(l.hourStart), QuantityBytes: l.quantityBytes, UnitPriceMilli: l.unitPriceMilli,
  AmountMilli: l.amountMilli,
});
const orderBody = (o: OrderRecord): Record<string, unknown> => ({
  OrderId: o.id, AccountId: o.accountId, Action: o.action, ResourceType: o.resourceType, ResourceId: o.resourceId,
  EnsRegionId: o.regionId, ChargeType: o.chargeType, CreationTime: isoSeconds(o.createdAt),
});

const PROFILE_FIELDS = ['frozen', 'realNameVerified', 'basicInfoComplete', 'balanceMilli', 'creditLineMilli'];
const QUOTA_FIELDS = ['snapshotsPerDisk', 'snapshotsPerRegion', 'snapshotCapacityBytes'];

export const COMMERCE_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET', path: '/accounts/:accountId/billing',
    async handle({ params }, services) {
      return { body: { BillingProfile: profileBody(await services.commerce.profile(params.accountId!)) } };
    },
  },
  {
    method: 'PUT', path: '/accounts/:accountId/billing', fields: PROFILE_FIELDS,
    async handle({ params, body }, services) {
      const patch = defined({
        frozen: optionalBool(body, 'frozen'), realNameVerified: optionalBool(body, 'realNameVerified'),
        basicInfoComplete: optionalBool(body, 'basicInfoComplete'),
        balanceMilli: optionalInt(body, 'balanceMilli', -MAX_MONEY), creditLineMilli: optionalInt(body, 'creditLineMilli', 0),
      });
      return { body: { BillingProfile: profileBody(await services.commerce.setProfile(params.accountId!, patch)) } };
    },
  },
  {
    method: 'POST', path: '/accounts/:accountId/top-up', fields: ['amountMilli'],
    async handle({ params, body }, services) {
      const amount = requiredNumber(body, 'amountMilli', 1, MAX_MONEY);
      if (!Number.isInteger(amount)) throw apiError(Ens.InvalidParameter, 'AmountMilli');
      return { body: { BillingProfile: profileBody(await services.commerce.topUp(params.accountId!, amount)) } };
    },
  },
  {
    method: 'GET', path: '/accounts/:accountId/quotas',
    async handle({ params }, services) {
      return { body: { Quotas: quotasBody(await services.commerce.quotas(params.accountId!)) } };
    },
  },
  {
    method: 'PUT', path: '/accounts/:accountId/quotas', fields: QUOTA_FIELDS,
    async handle({ params, body }, services) {
      const patch = defined({
        snapshotsPerDisk: optionalInt(body, 'snapshotsPerDisk', 0), snapshotsPerRegion: optionalInt(body, 'snapshotsPerRegion', 0),
        snapshotCapacityBytes: optionalInt(body, 'snapshotCapacityBytes', 0),
      });
      return { body: { Quotas: quotasBody(await services.commerce.setQuotas(params.accountId!, patch)) } };
    },
  },
  {
    method: 'GET', path: '/regions/:regionId/sale',
    async handle({ params }, services) {
      return { body: { RegionSale: saleBody(await services.commerce.regionSale(params.regionId!)) } };
    },
  },
  {
    method: 'PUT', path: '/regions/:regionId/sale', fields: ['sellsSnapshots', 'snapshotCapacityBytes'],
    async handle({ params, body }, services) {
      const patch = defined({
        sellsSnapshots: optionalBool(body, 'sellsSnapshots'), snapshotCapacityBytes: optionalInt(body, 'snapshotCapacityBytes', 0),
      });
      return { body: { RegionSale: saleBody(await services.commerce.setRegionSale(params.regionId!, patch)) } };
    },
  },
  {
    method: 'GET', path: '/regions/:regionId/prices',
    async handle({ params }, services) {
      return { body: { Prices: pricesBody(await services.commerce.prices(params.regionId!)) } };
    },
  },
  {
    method: 'PUT', path: '/regions/:regionId/prices', fields: ['snapshotMilliPerGiBHour', 'diskMilliPerGiBHour'],
    async handle({ params, body }, services) {
      const patch = defined({
        snapshotMilliPerGiBHour: optionalInt(body, 'snapshotMilliPerGiBHour', 0, 1e9),
        diskMilliPerGiBHour: optionalInt(body, 'diskMilliPerGiBHour', 0, 1e9),
      });
      return { body: { Prices: pricesBody(await services.commerce.setPrices(params.regionId!, patch)) } };
    },
  },
  {
    method: 'POST', path: '/billing/run',
    async handle(_req, services) {
      const run = await services.commerce.runBilling();
      return {
        body: { Hours: run.hours, Charges: run.charges, AmountMilli: run.amountMilli, BilledUntil: isoSeconds(run.billedUntil) },
      };
    },
  },
  {
    method: 'GET', path: '/ledger',
    async handle({ query }, services) {
      return { body: { Ledger: (await services.commerce.ledger(optionalText(query, 'accountId', 64))).map(ledgerBody) } };
    },
  },
  {
    method: 'GET', path: '/orders',
    async handle({ query }, services) {
      return { body: { Orders: (await services.commerce.orders(optionalText(query, 'accountId', 64))).map(orderBody) } };
    },
  },
  {
    method: 'POST', path: '/local-disks', fields: ['accountId', 'regionId', 'category', 'sizeGiB', 'name'],
    async handle({ body }, services) {
      const category = requiredText(body, 'category', 16);
      const local = LOCAL_DISK_CATEGORIES.find((c) => c === category);
      if (!local) throw apiError(Ens.InvalidParameter, 'Category');
      const { diskId } = await services.commerce.registerLocalDisk({
        accountId: requiredText(body, 'accountId', 64), regionId: requiredText(body, 'regionId', 64), category: local,
        sizeGiB: requiredNumber(body, 'sizeGiB', 1, 1_000_000), name: optionalText(body, 'name', 128) ?? '',
      });
      return { status: 201, body: { DiskId: diskId } };
    },
  },
];
