import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { isApiError } from '../../kernel/errors.js';
import { SqliteMetadataStore } from '../../store/sqlite/sqlite-store.js';
import { sampleDisk, sampleSnapshot } from '../../store/testing/metadata-store.suite.js';
import type { MetadataTx } from '../../store/metadata-store.js';
import type { DiskRecord } from '../../store/records.js';
import { checkAccount, checkSnapshotOrder, snapshotSaleFailure } from './order-gate.js';
import { DEFAULT_BILLING_PROFILE } from './defaults.js';

const REGION = 'cn-hangzhou-telecom';
const GiB = 2 ** 30;
let store: SqliteMetadataStore;

beforeEach(async () => {
  store = new SqliteMetadataStore(':memory:');
  await store.migrate();
  await store.transaction(async (tx) => {
    await tx.insertAccount({ id: 'acc-1', name: 'root', createdAt: 0 });
    await tx.insertDisk(sampleDisk('d-1', { sizeBytes: GiB }));
  });
});

/** The code the check fails with, or 'ok'. */
async function outcome(check: (tx: MetadataTx) => Promise<void>): Promise<string> {
  try {
    await store.transaction(check);
    return 'ok';
  } catch (err) {
    if (isApiError(err)) return `${err.status} ${err.code}: ${err.message}`;
    throw err;
  }
}

const order = (disk: DiskRecord = sampleDisk('d-1', { sizeBytes: GiB })) =>
  (tx: MetadataTx): Promise<void> => checkSnapshotOrder(tx, 'acc-1', disk);

describe('order gate', () => {
  it('passes an account without a profile (the defaults)', async () => {
    assert.equal(await outcome((tx) => checkAccount(tx, 'acc-1')), 'ok');
    assert.equal(await outcome(order()), 'ok');
  });

  it('answers each account check with its specification code, first failing check first', async () => {
    const put = (over: object) => store.transaction((tx) =>
      tx.commerce.putBillingProfile({ accountId: 'acc-1', ...DEFAULT_BILLING_PROFILE, ...over }));
    await put({ frozen: true, balanceMilli: -10, creditLineMilli: 5, realNameVerified: false });
    assert.equal(await outcome(order()), '400 AccountAliyunAccountFrozen: Alibaba Cloud account is frozen.');
    await put({ balanceMilli: -6, creditLineMilli: 5, realNameVerified: false });
    assert.equal(await outcome(order()), '400 OrderArrearage: User Arrears.');
    await put({ balanceMilli: -5, creditLineMilli: 5, realNameVerified: false });
    assert.equal(await outcome(order()), '400 OrderNoRealNameAuthentication: No real-name authentication.',
      'a balance of exactly minus the credit line is not in arrears');
    await put({ basicInfoComplete: false });
    assert.match(await outcome(order()), /^400 BasicInfoUncompleted: You have not completed your basic personal/);
  });

  it('refuses local disks', async () => {
    assert.equal(await outcome(order(sampleDisk('d-1', { category: 'local_ssd' }))),
      '400 ProductInstanceTypeNotSupported: The instance type is not supported.');
    assert.equal(await outcome(order(sampleDisk('d-1', { category: 'local_hdd' }))),
      '400 ProductInstanceTypeNotSupported: The instance type is not supported.');
  });

  it('applies the region sale control: not sold, storage full (stored bytes + creating snapshots)', async () => {
    const sale = (sellsSnapshots: boolean, snapshotCapacityBytes: number) => store.transaction((tx) =>
      tx.commerce.putRegionSale({ regionId: REGION, sellsSnapshots, snapshotCapacityBytes }));
    await sale(false, 10 * GiB);
    assert.match(await outcome(order()), /^400 SaleControlVerificationFailedRegion: /);
    await sale(true, GiB);
    assert.equal(await outcome(order()), 'ok', 'exactly fits');
    await store.transaction((tx) => tx.insertSnapshot(sampleSnapshot('s-1', { status: 'creating', sizeBytes: 1 })));
    assert.match(await outcome(order()), /^400 SaleControlVerificationFailedStock: /);
    assert.equal((await store.transaction((tx) => snapshotSaleFailure(tx, 'cn-shenzhen-3', GiB))), undefined,
      'another region is not full');
  });

  it('applies each quota: per disk, per account and region, capacity', async () => {
    const quotas = (snapshotsPerDisk: number, snapshotsPerRegion: number, snapshotCapacityBytes: number) =>
      store.transaction((tx) => tx.commerce.putQuotas({ accountId: 'acc-1', snapshotsPerDisk, snapshotsPerRegion,
        snapshotCapacityBytes }));
    await store.transaction((tx) => tx.insertSnapshot(sampleSnapshot('s-1', { status: 'available', sizeBytes: GiB })));
    await quotas(1, 10, 10 * GiB);
    assert.equal(await outcome(order()), '400 OrderQuotaExceeded: Quantity exceeds limit.');
    await quotas(2, 1, 10 * GiB);
    assert.equal(await outcome(order()), '400 OrderQuotaExceeded: Quantity exceeds limit.');
    await quotas(2, 2, 2 * GiB - 1);
    assert.equal(await outcome(order()), '400 OrderQuotaExceeded: Quantity exceeds limit.');
    await quotas(2, 2, 2 * GiB);
    assert.equal(await outcome(order()), 'ok');
  });
});
