/** The commerce part of the conformance suite (tx.commerce), run by runMetadataStoreSuite. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetadataStore } from '../metadata-store.js';
import type { StoreFactory } from './samples.js';
import { sampleDisk, sampleSnapshot } from './samples.js';

const T0 = 1_764_000_000_000;
const H = 3_600_000;

async function withStore(factory: StoreFactory, fn: (s: MetadataStore) => Promise<void>): Promise<void> {
  const { store, cleanup } = await factory();
  try {
    await store.migrate();
    await store.transaction((tx) => tx.insertAccount({ id: 'acc-1', name: 'root', createdAt: T0 }));
    await fn(store);
  } finally {
    await store.close();
    await cleanup();
  }
}

export function runCommerceStoreSuite(name: string, factory: StoreFactory): void {
  describe(`MetadataStore commerce: ${name}`, () => {
    it('keeps profiles, quotas, sale and prices; absent rows are undefined', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          assert.equal(await tx.commerce.getBillingProfile('acc-1'), undefined);
          const p = { accountId: 'acc-1', frozen: true, realNameVerified: false, basicInfoComplete: true,
            balanceMilli: -5, creditLineMilli: 7 };
          await tx.commerce.putBillingProfile(p);
          await tx.commerce.putBillingProfile({ ...p, balanceMilli: -6 });
          assert.deepEqual(await tx.commerce.getBillingProfile('acc-1'), { ...p, balanceMilli: -6 });
          const q = { accountId: 'acc-1', snapshotsPerDisk: 1, snapshotsPerRegion: 2, snapshotCapacityBytes: 3 };
          await tx.commerce.putQuotas(q);
          assert.deepEqual(await tx.commerce.getQuotas('acc-1'), q);
          await tx.commerce.putRegionSale({ regionId: 'r', sellsSnapshots: false, snapshotCapacityBytes: 9 });
          assert.deepEqual(await tx.commerce.getRegionSale('r'), { regionId: 'r', sellsSnapshots: false, snapshotCapacityBytes: 9 });
          await tx.commerce.putPrices({ regionId: 'r', snapshotMilliPerGiBHour: 4, diskMilliPerGiBHour: 5 });
          assert.deepEqual(await tx.commerce.getPrices('r'), { regionId: 'r', snapshotMilliPerGiBHour: 4, diskMilliPerGiBHour: 5 });
        });
      });
    });

    it('counts snapshots and meters them once; bills what existed in an hour; one ledger row per resource-hour',
      async () => {
        await withStore(factory, async (s) => {
          await s.transaction(async (tx) => {
            await tx.insertDisk(sampleDisk('d-1', { sizeBytes: 2 ** 30 }));
            await tx.insertSnapshot(sampleSnapshot('s-1', { status: 'available', sizeBytes: 100 }));
            await tx.insertSnapshot(sampleSnapshot('s-2', { status: 'creating', sizeBytes: 50 }));
            await tx.insertSnapshot(sampleSnapshot('s-3', { status: 'deleted', sizeBytes: 50, deletedAt: T0 }));
            await tx.commerce.putSnapshotUsage({ snapshotId: 's-1', accountId: 'acc-1', regionId: 'cn-hangzhou-telecom',
              storedBytes: 10, dataChunks: 1, meteredAt: T0 + H / 2 });
            await tx.commerce.putSnapshotUsage({ snapshotId: 's-1', accountId: 'acc-1', regionId: 'cn-hangzhou-telecom',
              storedBytes: 0, dataChunks: 1, meteredAt: T0 + H });
            assert.equal((await tx.commerce.getSnapshotUsage('s-1'))?.storedBytes, 10, 'the first metering stays');
            assert.deepEqual(await tx.commerce.snapshotStats({ accountId: 'acc-1', regionId: 'cn-hangzhou-telecom' }),
              { count: 2, logicalBytes: 150, occupiedBytes: 60 });
            assert.deepEqual(await tx.commerce.snapshotStats({ regionId: 'elsewhere' }),
              { count: 0, logicalBytes: 0, occupiedBytes: 0 });
            const billable = await tx.commerce.billableResources(T0, T0 + H);
            assert.deepEqual(billable.map((b) => [b.resourceType, b.resourceId, b.quantityBytes]),
              [['disk', 'd-1', 2 ** 30], ['snapshot', 's-1', 10]]);
            assert.deepEqual(await tx.commerce.billableResources(T0 - H, T0), [], 'nothing existed before');
            const row = { ...billable[1]!, hourStart: T0, unitPriceMilli: 1, amountMilli: 1, createdAt: T0 };
            assert.equal(await tx.commerce.insertLedger(row), true);
            assert.equal(await tx.commerce.insertLedger({ ...row, amountMilli: 99 }), false);
            assert.deepEqual((await tx.commerce.listLedger('acc-1')).map((l) => l.amountMilli), [1]);
            assert.deepEqual(await tx.commerce.listLedger('acc-2'), []);
          });
        });
      });

    it('keeps the billing cursor and tells a disk being released', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          assert.equal(await tx.commerce.getBilledUntil(), undefined);
          await tx.commerce.setBilledUntil(T0);
          await tx.commerce.setBilledUntil(T0 + H);
          assert.equal(await tx.commerce.getBilledUntil(), T0 + H);
          await tx.insertDisk(sampleDisk('d-9', { status: 'Deleted', deletedAt: T0 }));
          assert.equal(await tx.commerce.diskBeingReleased('d-9', 'acc-1', 'disk.delete'), false, 'no job queued');
          await tx.enqueueJob({ id: 'j-1', type: 'disk.delete', payload: { diskId: 'd-9' }, maxAttempts: 1, runAfter: T0 }, T0);
          assert.equal(await tx.commerce.diskBeingReleased('d-9', 'acc-1', 'disk.delete'), true);
          assert.equal(await tx.commerce.diskBeingReleased('d-9', 'acc-2', 'disk.delete'), false, 'another account');
        });
      });
    });
  });
}
