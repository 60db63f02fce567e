/**
 * Fault injection and throttling through the official clients (issue #4): rules added over the admin API
 * answer the catalog's code, status and message exactly, then expire; matching by action, region and disk;
 * probability 0 and 1; latency; per-account throttle limits answering Throttling.User.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, type Body, type Call } from '../support/clients.js';
import { failure, type Failure } from '../support/failures.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { admin, adminOk, createDisk, OTHER_REGION, REGION } from './operator-support.js';

const ORDER_FAILED: Failure = { status: 400, code: 'OrderFailed', message: 'Order failed, please try again.' };
const THROTTLED: Failure = { status: 400, code: 'Throttling.User', message: 'Request was denied due to user flow control.' };

/** What openapi-core's error says of a refusal, including the retry hint it read from x-acs-retry-after. */
async function coreFailure(p: Promise<unknown>): Promise<{ code: string; retryAfter?: number }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; retryAfter?: number };
    return { code: err.code, retryAfter: err.retryAfter };
  }
  throw new Error('expected a failure');
}

describe('operator: fault rules and throttling', { timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let pop: Call;
  let diskId = '';
  let otherDisk = '';

  before(async () => {
    dir = await tempDir('edgesnap-operator-');
    server = await startTestServer(dir.path, { startJobs: false }); // manual: jobs run when settled
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    pop = popClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS, 'POST');
    diskId = await createDisk(call);
    otherDisk = await createDisk(call, OTHER_REGION);
    await server.operator.jobs.settle();
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  const snapshot = (disk: string, region = REGION): Promise<Body> =>
    call('CreateSnapshot', { DiskId: disk, EnsRegionId: region });

  it('a count-1 rule answers its code exactly once, then the action works and the rule is gone', async () => {
    const added = await adminOk(server, 'POST', '/faults',
      { id: 'once', match: { action: 'CreateSnapshot' }, effect: { kind: 'error', code: 'OrderFailed' }, count: 1 }, 201);
    assert.deepEqual(added.FaultRule, {
      Id: 'once', Match: { Action: 'CreateSnapshot' }, Effect: { Kind: 'error', Code: 'OrderFailed', Args: [] },
      Probability: 1, Count: 1, Remaining: 1, Fired: 0,
    });
    assert.deepEqual(await failure(snapshot(diskId)), ORDER_FAILED);
    const snaps = await call('DescribeSnapshots', { DiskId: diskId });
    assert.equal((snaps.Snapshots as Body[]).length, 0, 'the faulted request created nothing');
    const ok = await snapshot(diskId);
    assert.equal((ok.SnapShotId as string[]).length, 1);
    assert.deepEqual((await adminOk(server, 'GET', '/faults')).FaultRules, []);
    await server.operator.jobs.settle();
  });

  it('the same through pop-core, and a rule matches only its action, region and disk', async () => {
    await adminOk(server, 'POST', '/faults', {
      id: 'disk-only', match: { action: 'Create*', regionId: REGION, diskId }, effect: { kind: 'error', code: 'OrderFailed' },
    }, 201);
    try {
      assert.deepEqual(await failure(pop('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION })), ORDER_FAILED);
      await snapshot(otherDisk, OTHER_REGION); // other disk and region: unaffected
      await call('DescribeDisks', { DiskId: diskId }); // other action: unaffected
      const rule = (await adminOk(server, 'GET', '/faults?action=Create*')).FaultRules as Body[];
      assert.equal(rule[0]!.Fired, 1);
    } finally {
      await adminOk(server, 'DELETE', '/faults/disk-only');
    }
    const gone = await admin(server, 'DELETE', '/faults/disk-only');
    assert.equal(gone.body.Code, 'Admin.FaultRuleNotFound');
    assert.equal(gone.body.Message, 'The fault rule disk-only does not exist.');
    await server.operator.jobs.settle();
  });

  it('probability 0 never fires, probability 1 always does; a template code fills its message', async () => {
    await adminOk(server, 'POST', '/faults',
      { id: 'never', match: { action: 'DescribeDisks' }, effect: { kind: 'error', code: 'OrderFailed' }, probability: 0 }, 201);
    for (let i = 0; i < 5; i++) await call('DescribeDisks', {});
    await adminOk(server, 'POST', '/faults', {
      id: 'always', match: { action: 'DescribeSnapshots' }, probability: 1,
      effect: { kind: 'error', code: 'InvalidParameter.Foo' },
    }, 201);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await failure(call('DescribeSnapshots', {})), {
        status: 400, code: 'InvalidParameter.Foo',
        message: 'The specified field Foo invalid. Please check it again.',
      });
    }
    const removed = await adminOk(server, 'DELETE', '/faults');
    assert.equal(removed.Removed, 2);
    await call('DescribeSnapshots', {});
  });

  it('a latency rule delays the request, which then succeeds', async () => {
    await adminOk(server, 'POST', '/faults',
      { id: 'slow', match: { action: 'DescribeEnsRegions' }, effect: { kind: 'latency', ms: 300 }, count: 1 }, 201);
    const started = performance.now();
    await call('DescribeEnsRegions', {});
    assert.ok(performance.now() - started >= 290, 'waited the rule\'s latency');
  });

  it('a bad rule answers InvalidParameter naming the field; a duplicate id Admin.FaultRuleExists', async () => {
    const bad = await admin(server, 'POST', '/faults', { id: 'x', effect: { kind: 'error', code: 'NoSuchCode' } });
    assert.deepEqual([bad.status, bad.body.Code], [400, 'InvalidParameter.Effect.Code']);
    await adminOk(server, 'POST', '/faults', { id: 'dup', effect: { kind: 'latency', ms: 0 }, match: { action: 'Nothing' } }, 201);
    const dup = await admin(server, 'POST', '/faults', { id: 'dup', effect: { kind: 'latency', ms: 0 } });
    assert.deepEqual([dup.status, dup.body.Code, dup.body.Message], [409, 'Admin.FaultRuleExists', 'A fault rule with id dup already exists.']);
    await adminOk(server, 'DELETE', '/faults');
  });

  it('throttling: a low limit answers Throttling.User with x-acs-retry-after; other actions and keys are unaffected', async () => {
    const account = server.accountId;
    const def = await adminOk(server, 'GET', `/accounts/${account}/throttle`);
    assert.deepEqual(def.Throttle, { AccountId: account, RatePerSecond: 5000, Burst: 10000, IsDefault: true, Actions: {} });
    await adminOk(server, 'PUT', `/accounts/${account}/throttle`,
      { ratePerSecond: 1000, burst: 2000, actions: { DescribeEnsRegions: { ratePerSecond: 0.001, burst: 2 } } });
    await call('DescribeEnsRegions', {});
    await call('DescribeEnsRegions', {});
    assert.deepEqual(await failure(pop('DescribeEnsRegions', {})), THROTTLED);
    const retry = await coreFailure(call('DescribeEnsRegions', {}));
    assert.equal(retry.code, 'Throttling.User');
    assert.ok((retry.retryAfter ?? 0) > 0, `openapi-core read the retry hint: ${String(retry.retryAfter)}`);
    await call('DescribeDisks', {}); // another action of the same key
    const { key, secret } = await server.services.accounts.createKey(account);
    const second = coreClient(`${server.api.host}:${server.api.port}`, { accessKeyId: key.id, accessKeySecret: secret });
    await second('DescribeEnsRegions', {}); // another key of the same account: its own bucket
    const set = await adminOk(server, 'GET', `/accounts/${account}/throttle`);
    assert.deepEqual((set.Throttle as Body).Actions, { DescribeEnsRegions: { RatePerSecond: 0.001, Burst: 2 } });
    await adminOk(server, 'DELETE', `/accounts/${account}/throttle`);
    await call('DescribeEnsRegions', {}); // back to the default limit
  });

  it('throttle limits are validated and need an existing account', async () => {
    const bad = await admin(server, 'PUT', `/accounts/${server.accountId}/throttle`, { ratePerSecond: 0, burst: 1 });
    assert.deepEqual([bad.status, bad.body.Code], [400, 'InvalidParameter.RatePerSecond']);
    const missing = await admin(server, 'PUT', `/accounts/${server.accountId}/throttle`, { ratePerSecond: 5 });
    assert.deepEqual([missing.status, missing.body.Code], [400, 'MissingBurst']);
    const nobody = await admin(server, 'GET', '/accounts/999/throttle');
    assert.deepEqual([nobody.status, nobody.body.Code], [404, 'Admin.AccountNotFound']);
  });
});
