/**
 * Every one of the CreateSnapshot specification's 106 codes, through the official openapi-core client: the
 * codes edgesnap produces from a real state through that state (set over the admin API), every other one
 * through a count-1 fault rule on CreateSnapshot generated from the catalog. Each answers the catalog's HTTP
 * status, Code and Message exactly, and leaves no new snapshot and no new order behind. The last test checks
 * that the codes driven are exactly the specification's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, type Body, type Call } from '../support/clients.js';
import { failure } from '../support/failures.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { adminClient, adminOk, createDisk, inventory, type Admin } from './commerce-support.js';
import { expected, FAULT_CODES, faultRule, type Harness, NATURAL_CASES, REGION, SPEC_CODES } from './spec-codes-cases.js';

describe('every code of the CreateSnapshot specification', { timeout: 300_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let h: Harness;
  const driven = new Set<string>();

  before(async () => {
    dir = await tempDir('edgesnap-spec-codes-');
    server = await startTestServer(dir.path, { startJobs: false }); // manual jobs: snapshots stay `creating`
    const call: Call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    const admin: Admin = adminClient(server);
    const settle = async (): Promise<void> => {
      await adminOk(admin, 'POST', '/jobs/settle');
    };
    const diskId = await createDisk(call, REGION);
    await settle();
    h = {
      server, dataDir: dir.path, call, admin, diskId, settle,
      snapshot: (client = call, disk = diskId, extra = {}) =>
        client('CreateSnapshot', { DiskId: disk, EnsRegionId: REGION, ...extra }),
      async refused(request, code, ...args) {
        const before = await inventory(call, admin, server.accountId);
        assert.deepEqual(await failure(request()), expected(code, ...args), code);
        assert.deepEqual(await inventory(call, admin, server.accountId), before, `${code}: no new snapshot, no new order`);
        driven.add(code);
      },
    };
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  for (const [code, drive] of Object.entries(NATURAL_CASES)) {
    it(`${code}: its natural trigger`, async () => {
      await drive(h);
    });
  }

  for (const code of FAULT_CODES) {
    it(`${code}: fault rule only`, async () => {
      const added = await h.admin('POST', '/faults', faultRule(code));
      assert.equal(added.status, 201, JSON.stringify(added.body));
      await h.refused(() => h.snapshot(), code);
      assert.deepEqual((await adminOk(h.admin, 'GET', '/faults')).FaultRules, [], 'the count-1 rule expired');
    });
  }

  it('without a rule or a refusing state, the same CreateSnapshot succeeds and records its order', async () => {
    const res: Body = await h.snapshot();
    const id = (res.SnapShotId as string[])[0]!;
    const orders = (await adminOk(h.admin, 'GET', `/orders?accountId=${server.accountId}`)).Orders as Body[];
    assert.equal(orders.find((o) => o.ResourceId === id)?.OrderId, res.OrderId);
    await h.settle();
  });

  it('drove exactly the 106 codes of the specification', () => {
    assert.equal(SPEC_CODES.length, 106);
    assert.deepEqual([...driven].sort(), [...SPEC_CODES].sort());
  });
});
