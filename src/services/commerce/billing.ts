/**
 * The billing job: charges every metered snapshot (its stored bytes) and every disk (its size) for each whole
 * clock hour, one ledger row per resource per hour, and debits the account's balance in the same transaction.
 * A ledger row is unique per (resource, hour), so a rerun never charges twice. The job re-schedules itself at
 * the next hour boundary of the injected Clock.
 */
import type { MetadataTx } from '../../store/metadata-store.js';
import type { PriceRecord } from '../../store/records.js';
import type { ServiceDeps } from '../context.js';
import type { JobHandler } from '../jobs/job-runner.js';
import { billingProfileOf, pricesOf } from './defaults.js';
import { hourlyChargeMilli } from './metering.js';

export const BILLING_JOB = 'commerce.billing';
export const HOUR_MS = 3_600_000;
/** At most this many hours per run (a long outage is caught up over several runs). */
const MAX_HOURS_PER_RUN = 24 * 31;

export interface BillingRun {
  /** Hours closed by this run. */
  readonly hours: number;
  /** Ledger rows written (0 when everything was charged already). */
  readonly charges: number;
  readonly amountMilli: number;
  /** The end of the last billed hour. */
  readonly billedUntil: number;
}

const hourStart = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

export class Billing {
  constructor(private readonly deps: Pick<ServiceDeps, 'store' | 'clock' | 'ids'>) {}

  /** Bills every whole hour that ended at or before `now`. */
  async runUpTo(now: number): Promise<BillingRun> {
    const end = hourStart(now);
    let hours = 0, charges = 0, amountMilli = 0;
    // No cursor (a fresh or reset store): the ledger starts at the current hour.
    let until = await this.deps.store.transaction(async (tx) => {
      const cursor = await tx.commerce.getBilledUntil();
      if (cursor === undefined) await tx.commerce.setBilledUntil(end);
      return cursor ?? end;
    });
    while (until < end && hours < MAX_HOURS_PER_RUN) {
      const hour = until;
      const res = await this.deps.store.transaction(async (tx) => {
        const r = await this.billHour(tx, hour);
        await tx.commerce.setBilledUntil(hour + HOUR_MS);
        return r;
      });
      hours++;
      charges += res.charges;
      amountMilli += res.amountMilli;
      until = hour + HOUR_MS;
    }
    return { hours, charges, amountMilli, billedUntil: until };
  }

  private async billHour(tx: MetadataTx, hour: number): Promise<{ charges: number; amountMilli: number }> {
    const now = this.deps.clock.now();
    const prices = new Map<string, PriceRecord>();
    let charges = 0, amountMilli = 0;
    for (const r of await tx.commerce.billableResources(hour, hour + HOUR_MS)) {
      const price = prices.get(r.regionId) ?? await pricesOf(tx, r.regionId);
      prices.set(r.regionId, price);
      const unit = r.resourceType === 'snapshot' ? price.snapshotMilliPerGiBHour : price.diskMilliPerGiBHour;
      const amount = hourlyChargeMilli(r.quantityBytes, unit);
      const inserted = await tx.commerce.insertLedger({
        ...r, hourStart: hour, unitPriceMilli: unit, amountMilli: amount, createdAt: now,
      });
      if (!inserted) continue;
      charges++;
      amountMilli += amount;
      if (amount === 0) continue;
      const profile = await billingProfileOf(tx, r.accountId);
      await tx.commerce.putBillingProfile({ ...profile, balanceMilli: profile.balanceMilli - amount });
    }
    return { charges, amountMilli };
  }

  /**
   * At start-up: starts the ledger at the current hour on a fresh store, and makes sure one billing job is
   * queued (for the next hour boundary).
   */
  async schedule(): Promise<void> {
    const { store, clock } = this.deps;
    await store.transaction(async (tx) => {
      if ((await tx.commerce.getBilledUntil()) === undefined) await tx.commerce.setBilledUntil(hourStart(clock.now()));
      await this.enqueueNext(tx, clock.now());
    });
  }

  private async enqueueNext(tx: MetadataTx, now: number): Promise<void> {
    if ((await tx.listJobs('queued')).some((j) => j.type === BILLING_JOB)) return;
    const next = hourStart(now) + HOUR_MS;
    await tx.enqueueJob({ id: this.deps.ids.resourceId('job'), type: BILLING_JOB, payload: {}, maxAttempts: 8,
      runAfter: next }, now);
  }

  jobHandlers(): Record<string, JobHandler> {
    return {
      [BILLING_JOB]: {
        run: async () => {
          await this.runUpTo(this.deps.clock.now());
          await this.deps.store.transaction((tx) => this.enqueueNext(tx, this.deps.clock.now()));
        },
        // Failed for good: still bill the next hour (the cursor makes the missed hours be caught up).
        onFailed: async () => this.deps.store.transaction((tx) => this.enqueueNext(tx, this.deps.clock.now())),
      },
    };
  }
}
