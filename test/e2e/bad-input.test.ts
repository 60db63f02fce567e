/**
 * Bad input, across actions: unknown actions and misspelt parameter names, a value too long
 * for a URL, and a check that every action in the table has its bad-input cases. The cases
 * per field are in bad-input-<family>.test.ts (shared parts: test/support/bad-input.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { ACTIONS } from '../../src/actions/index.js';
import { allErrorSpecs } from '../../src/kernel/catalog.js';
import { coreClient } from '../support/clients.js';
import { failure, missing, type Failure } from '../support/failures.js';
import { bad, badInputSuite, DISK, HUGE, REGION, SNAP, type Case } from '../support/bad-input.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';

const notFound: Failure = {
  status: 404, code: 'InvalidAction.NotFound', message: 'Specified api is not found, please check your url and method.',
};

const cases: Case[] = [
  ...['NoSuchAction', 'describeDisks', 'DESCRIBEDISKS', 'Describe Disks', 'RollbackDisk', 'DescribeSnapshotUsage']
    .map((action) => bad(action, {}, notFound)),
  // Parameter names are case-sensitive: a misspelt required one is missing.
  bad('DeleteDisk', { diskid: DISK }, missing('DiskId')),
  bad('DeleteSnapshot', { snapshotId: SNAP }, missing('SnapshotId')),
  bad('CreateSnapshot', { DiskID: DISK, EnsRegionId: REGION }, missing('DiskId')),
  bad('CreateDisk', { EnsRegionID: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' }, missing('EnsRegionId')),
];

/** Actions without request fields of their own, so without bad input. */
const NO_FIELDS = new Set(['DescribeCloudDiskAvailableResourceInfo']);

badInputSuite('bad input across actions', cases, () => {
  it('every action in the table has bad-input cases', () => {
    const dir = join(process.cwd(), 'test/e2e');
    const sources = readdirSync(dir).filter((f) => /^bad-input-.+\.test\.ts$/.test(f))
      .map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    const uncovered = [...ACTIONS.keys()].filter((a) => !NO_FIELDS.has(a) && !sources.includes(`'${a}'`));
    assert.deepEqual(uncovered, []);
  });
});

// The value goes in the URL (as the SDKs send every parameter), past Node's 16 KiB limit for the request line and
// headers: the gateway answers the envelope and closes that connection; the client's next call works.
describe('a value too long for a URL', { timeout: 60_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  before(async () => {
    dir = await tempDir('edgesnap-bad-url-');
    server = await startTestServer(dir.path);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('a 100 KB value in the query answers RequestHeaderFieldsTooLarge, and the next call works', async () => {
    const call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    assert.deepEqual(await failure(call('DeleteDisk', { DiskId: HUGE })), {
      status: 431, code: 'RequestHeaderFieldsTooLarge',
      message: 'The request line and headers are too large (16 KiB at most).',
    });
    assert.ok(allErrorSpecs().some((e) => e.code === 'RequestHeaderFieldsTooLarge'));
    assert.ok(Array.isArray((await call('DescribeSnapshots', {})).Snapshots));
  });
});
