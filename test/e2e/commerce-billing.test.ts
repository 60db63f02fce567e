/**
 * Metering and billing end to end with a ManualClock: a snapshot is metered at the bytes it newly wrote
 * (first writer pays), the billing job of the job runner charges each whole hour once (ledger rows, balance
 * debited once even when run again), and an account in arrears is refused with OrderArrearage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/kernel/clock.js';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, type Body, type Call } from '../support/clients.js';
import { failure } from '../support/failures.js';
import { nbdUri, qemuIo } from '../support/nbd-tools.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { adminClient, adminOk, ARREARS, createDisk, inventory, type Admin } from './commerce-support.js';

const REGION = 'cn-chengdu-telecom';
const HOUR = 3_600_000;
const MiB = 2 ** 20;

describe('commerce: metering and the hourly billing job', { timeout: 180_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let admin: Admin;
  // The signed clients sign with the wall clock (the gateway allows 15 minutes of skew): start there.
  const clock = new ManualClock(Date.now());
  const t0Hour = Math.floor(clock.now() / HOUR) * HOUR;
  const ids: { disk: string; first: string; second: string } = { disk: '', first: '', second: '' };

  before(async () => {
    dir = await tempDir('edgesnap-billing-');
    server = await startTestServer(dir.path, { startJobs: false, clock, chunkSize: MiB });
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    admin = adminClient(server);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  const ledger = async (): Promise<Body[]> =>
    (await adminOk(admin, 'GET', `/ledger?accountId=${server.accountId}`)).Ledger as Body[];
  const balance = async (): Promise<unknown> =>
    ((await adminOk(admin, 'GET', `/accounts/${server.accountId}/billing`)).BillingProfile as Body).BalanceMilli;
  const snapshot = async (): Promise<string> =>
    ((await call('CreateSnapshot', { DiskId: ids.disk, EnsRegionId: REGION })).SnapShotId as string[])[0]!;

  it('meters each snapshot at the bytes it newly stored', async () => {
    await adminOk(admin, 'PUT', `/accounts/${server.accountId}/billing`, { balanceMilli: 0, creditLineMilli: 10 });
    await adminOk(admin, 'PUT', `/regions/${REGION}/prices`, { snapshotMilliPerGiBHour: 1024, diskMilliPerGiBHour: 3 });
    ids.disk = await createDisk(call, REGION);
    await server.jobs.drain();
    await qemuIo(nbdUri(server.nbd.host, server.nbd.port, ids.disk), 'write -P 0x5a 0 1M', 'write -P 0x5b 1M 1M');
    ids.first = await snapshot();
    await server.jobs.drain();
    ids.second = await snapshot(); // the same bytes: nothing new to store
    await server.jobs.drain();
    assert.deepEqual(await server.services.commerce.ledger(server.accountId), [], 'nothing billed before an hour is over');
  });

  it('the job bills each whole hour: one ledger row per resource and hour, balance debited once', async () => {
    clock.advance(2 * HOUR);
    assert.ok(await server.jobs.drain() >= 1, 'the billing job was due');
    const rows = await ledger();
    const hours = [t0Hour, t0Hour + HOUR].map((h) => new Date(h).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    // 2 MiB at 1024 milli-yuan per GiB-hour = 2 per hour; the disk 1 GiB × 3; the second snapshot stored 0 bytes.
    const expected = hours.flatMap((h) => [
      [h, 'disk', ids.disk, 2 ** 30, 3], [h, 'snapshot', ids.first, 2 * MiB, 2], [h, 'snapshot', ids.second, 0, 0],
    ]).sort((a, b) => `${a[0]}${a[1]}${a[2]}`.localeCompare(`${b[0]}${b[1]}${b[2]}`));
    assert.deepEqual(rows.map((r) => [r.HourStart, r.ResourceType, r.ResourceId, r.QuantityBytes, r.AmountMilli]), expected);
    assert.equal(await balance(), -10);
    const again = await adminOk(admin, 'POST', '/billing/run');
    assert.deepEqual([again.Hours, again.Charges, again.AmountMilli], [0, 0, 0]);
    assert.equal((await ledger()).length, 6);
    assert.equal(await balance(), -10, 'a second run charges nothing');
  });

  it('the next hour tips the account into arrears: OrderArrearage, nothing created; a top-up lifts it', async () => {
    clock.advance(HOUR);
    const run = await adminOk(admin, 'POST', '/billing/run');
    assert.deepEqual([run.Hours, run.Charges, run.AmountMilli], [1, 3, 5]);
    assert.equal(await balance(), -15);
    clock.advance(-3 * HOUR); // back to the wall clock, for the signed clients
    const before = await inventory(call, admin, server.accountId);
    assert.deepEqual(await failure(call('CreateSnapshot', { DiskId: ids.disk, EnsRegionId: REGION })), ARREARS);
    assert.deepEqual(await inventory(call, admin, server.accountId), before);
    await adminOk(admin, 'POST', `/accounts/${server.accountId}/top-up`, { amountMilli: 5 });
    assert.match(await snapshot(), /^s-/, 'exactly minus the credit line is allowed');
  });
});
