import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../kernel/clock.js';
import { seededIds } from '../../kernel/ids.js';
import { SqliteMetadataStore } from '../../store/sqlite/sqlite-store.js';
import { sampleDisk, sampleSnapshot } from '../../store/testing/metadata-store.suite.js';
import { JobRunner } from '../jobs/job-runner.js';
import { Billing, BILLING_JOB, HOUR_MS } from './billing.js';
import { hourlyChargeMilli, recordSnapshotUsage } from './metering.js';

const GiB = 2 ** 30;
const MIN = 60_000;
const T0 = Date.parse('2026-11-28T10:30:00Z');

describe('hourlyChargeMilli', () => {
  it('charges bytes × price per GiB, rounded up to a whole milli-yuan, exactly for large sizes', () => {
    assert.equal(hourlyChargeMilli(0, 5), 0);
    assert.equal(hourlyChargeMilli(GiB, 0), 0);
    assert.equal(hourlyChargeMilli(1, 1), 1);
    assert.equal(hourlyChargeMilli(GiB, 2), 2);
    assert.equal(hourlyChargeMilli(GiB + GiB / 2, 1), 2);
    assert.equal(hourlyChargeMilli(32 * 1024 * GiB, 1_000_000), 32 * 1024 * 1_000_000);
    assert.equal(hourlyChargeMilli(2 ** 50 + 1, 1000), 2 ** 20 * 1000 + 1);
  });
});

describe('Billing', () => {
  let store: SqliteMetadataStore;
  let clock: ManualClock;
  let billing: Billing;
  const balance = async (): Promise<number | undefined> =>
    (await store.transaction((tx) => tx.commerce.getBillingProfile('acc-1')))?.balanceMilli;

  beforeEach(async () => {
    store = new SqliteMetadataStore(':memory:');
    await store.migrate();
    clock = new ManualClock(T0);
    billing = new Billing({ store, clock, ids: seededIds(1) });
    await billing.schedule();
    await store.transaction(async (tx) => {
      await tx.insertAccount({ id: 'acc-1', name: 'root', createdAt: T0 });
      await tx.insertDisk(sampleDisk('d-1', { sizeBytes: GiB, createdAt: T0 }));
      const snap = sampleSnapshot('s-1', { status: 'available', createdAt: T0 });
      await tx.insertSnapshot(snap);
      // First writer pays: s-1 newly wrote 3 GiB.
      await recordSnapshotUsage(tx, snap, { storedBytes: 3 * GiB, dataChunks: 3 }, T0 + 15 * MIN);
    });
  });

  it('charges every whole hour once: one ledger row per resource per hour, the balance debited once', async () => {
    assert.deepEqual(await billing.runUpTo(clock.now()), { hours: 0, charges: 0, amountMilli: 0,
      billedUntil: Date.parse('2026-11-28T10:00:00Z') }, 'the current hour is not over');
    clock.advance(HOUR_MS + 40 * MIN); // 12:10
    const run = await billing.runUpTo(clock.now());
    assert.deepEqual(run, { hours: 2, charges: 4, amountMilli: 2 * (2 + 3), billedUntil: Date.parse('2026-11-28T12:00:00Z') });
    assert.equal(await balance(), -10);
    const ledger = await store.transaction((tx) => tx.commerce.listLedger('acc-1'));
    assert.deepEqual(ledger.map((l) => [new Date(l.hourStart).toISOString().slice(11, 16), l.resourceId, l.amountMilli]), [
      ['10:00', 'd-1', 2], ['10:00', 's-1', 3], ['11:00', 'd-1', 2], ['11:00', 's-1', 3],
    ]);
    assert.deepEqual((await billing.runUpTo(clock.now())).charges, 0, 'a second run charges nothing');
    // Even with the cursor lost (a crash between hours), the ledger's uniqueness keeps it at once.
    await store.transaction((tx) => tx.commerce.setBilledUntil(Date.parse('2026-11-28T10:00:00Z')));
    assert.deepEqual(await billing.runUpTo(clock.now()), { hours: 2, charges: 0, amountMilli: 0,
      billedUntil: Date.parse('2026-11-28T12:00:00Z') });
    assert.equal(await balance(), -10);
  });

  it('stops charging a snapshot after the hour it was deleted in; uses the region price table', async () => {
    await store.transaction(async (tx) => {
      await tx.commerce.putPrices({ regionId: 'cn-hangzhou-telecom', snapshotMilliPerGiBHour: 10, diskMilliPerGiBHour: 0 });
      await tx.updateSnapshot('s-1', { status: 'deleted', deletedAt: T0 + 45 * MIN });
    });
    clock.advance(3 * HOUR_MS);
    await billing.runUpTo(clock.now());
    const ledger = await store.transaction((tx) => tx.commerce.listLedger());
    // Deleted at 11:15: charged for 10:00 and 11:00 (any part of an hour is the hour), not for 12:00.
    assert.deepEqual(ledger.filter((l) => l.amountMilli > 0).map((l) => [l.resourceId, l.amountMilli]),
      [['s-1', 30], ['s-1', 30]]);
    assert.equal(ledger.filter((l) => l.resourceId === 'd-1').length, 3, 'free disks still get their rows');
    assert.equal(await balance(), -60);
  });

  it('runs as a job of the job runner at each hour boundary of the clock, re-scheduling itself', async () => {
    const runner = new JobRunner({ store, clock, ids: seededIds(2), handlers: billing.jobHandlers() });
    const queued = async (): Promise<number[]> =>
      (await store.transaction((tx) => tx.listJobs('queued'))).filter((j) => j.type === BILLING_JOB).map((j) => j.runAfter);
    assert.deepEqual(await queued(), [Date.parse('2026-11-28T11:00:00Z')]);
    await billing.schedule();
    assert.equal((await queued()).length, 1, 'scheduled once');
    assert.equal(await runner.drain(), 0, 'not due yet');
    clock.advance(30 * MIN);
    assert.equal(await runner.drain(), 1);
    assert.deepEqual(await queued(), [Date.parse('2026-11-28T12:00:00Z')]);
    assert.equal(await balance(), -5);
    clock.advance(HOUR_MS);
    assert.equal(await runner.drain(), 1);
    assert.equal(await balance(), -10);
  });
});
