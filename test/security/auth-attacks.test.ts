/**
 * Attacks on authentication and isolation against a real server, through the official clients and hand-built
 * requests: tampered parameters, wrong secrets, replayed nonces, stale timestamps, signatures made for another
 * method or path, another account's ids, a RAM deny, expired temporary credentials, the admin API without its
 * token — each refused with its exact code, nothing changed. Then the log of the whole run, failures and real
 * internal errors included, holds no secret.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import type { RunningEdgesnap } from '../../src/main.js';
import { ManualClock } from '../../src/kernel/clock.js';
import { coreClient, popClient, type Body, type Call, type Credentials } from '../support/clients.js';
import { diskNotFound, failure, type Failure } from '../support/failures.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { adminClient, allow, KEY_INACTIVE, KEY_NOT_FOUND, NO_PERMISSION, ramUser, TOKEN_EXPIRED, TOKEN_MALFORMED,
  TOKEN_MISMATCH, TOKEN_MISSING, type AdminCall } from '../e2e/identity-helpers.js';
import { FORM, signRequest, type SignOptions } from '../fuzz/wire.js';

const REGION = 'cn-hangzhou-telecom';
const MISMATCH: Failure = { status: 400, code: 'SignatureDoesNotMatch', message: 'Specified signature is not matched with our calculation.' };
const NONCE_USED: Failure = { status: 400, code: 'SignatureNonceUsed', message: 'Specified signature nonce was used already.' };
const STALE: Failure = { status: 400, code: 'InvalidTimeStamp.Expired', message: 'Specified time stamp or date value is expired.' };
const UNAUTHORIZED = { status: 401, code: 'Admin.Unauthorized', message: 'The admin token is missing or wrong.' };

let dir: { path: string; remove: () => Promise<void> };
let server: RunningEdgesnap;
let admin: AdminCall;
let endpoint: string;
let root: Call;
/** Every secret the run hands out or uses: none may ever reach the log. */
const secrets: string[] = [TEST_CREDENTIALS.accessKeySecret];
const logLines: string[] = [];
// The official clients sign with the wall clock; the server's clock starts 10 minutes behind it, so it can be
// moved 15 minutes on (past a 900 s STS lifetime) while the clients' timestamps stay inside the 15-minute window.
const clock = new ManualClock(Date.now() - 600_000);
let nonce = 0;

/** A hand-signed POP 1.0 request (common parameters in the query, business ones in a form body). */
async function handSigned(action: string, params: Record<string, string>, o: Partial<SignOptions> = {},
  sent: Record<string, string> = params): Promise<Failure | Body> {
  const parts = signRequest(action, params, { accessKeyId: TEST_CREDENTIALS.accessKeyId, secret: TEST_CREDENTIALS.accessKeySecret,
    at: clock.now(), nonce: `attack-${nonce++}`, ...o });
  return post(parts.url, new URLSearchParams(sent).toString());
}
async function post(url: string, body: string): Promise<Failure | Body> {
  const res = await fetch(`http://${endpoint}${url}`, { method: 'POST', headers: { 'content-type': FORM }, body });
  const b = (await res.json()) as Body;
  return res.status === 200 ? b : { status: res.status, code: b.Code as string, message: b.Message as string };
}
const diskIdsOf = async (call: Call, p: Record<string, string> = {}): Promise<string[]> =>
  ((await call('DescribeDisks', p)).Disks as { Disks: { DiskId: string }[] }).Disks.map((d) => d.DiskId);
async function newDisk(call: Call): Promise<string> {
  const made = await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' });
  await server.jobs.drain();
  return (made.InstanceIds as string[])[0]!;
}

before(async () => {
  dir = await tempDir('edgesnap-attacks-');
  server = await startTestServer(dir.path, { clock, startJobs: false, log: (m) => logLines.push(m) });
  secrets.push(server.adminToken);
  admin = adminClient(server);
  endpoint = `${server.api.host}:${server.api.port}`;
  root = coreClient(endpoint, TEST_CREDENTIALS);
});
after(async () => {
  await server?.close();
  await dir?.remove();
});

describe('attacks on signatures', () => {
  let disk = '';
  before(async () => { disk = await newDisk(root); });

  it('a wrong secret, through openapi-core (ACS3) and pop-core (HMAC-SHA1): SignatureDoesNotMatch', async () => {
    const wrong = { ...TEST_CREDENTIALS, accessKeySecret: `${TEST_CREDENTIALS.accessKeySecret}x` };
    assert.deepEqual(await failure(coreClient(endpoint, wrong)('DeleteDisk', { DiskId: disk })), MISMATCH);
    assert.deepEqual(await failure(popClient(endpoint, wrong, 'POST')('DeleteDisk', { DiskId: disk })), MISMATCH);
    assert.deepEqual(await failure(coreClient(endpoint, { ...wrong, accessKeyId: 'LTAInobodyHasThisKey' })('DescribeDisks')),
      KEY_NOT_FOUND);
  });

  it('a parameter changed after signing: SignatureDoesNotMatch, and nothing ran', async () => {
    const other = await newDisk(root);
    assert.deepEqual(await handSigned('DescribeDisks', { DiskId: disk }, {}, { DiskId: other }), MISMATCH);
    assert.deepEqual(await handSigned('DescribeDisks', { DiskId: disk }, {}, { DiskId: disk, PageSize: '1' }), MISMATCH);
    assert.deepEqual(await handSigned('DescribeDisks', { DiskId: disk }, {}, {}), MISMATCH);
    // A read signed, a delete sent: the Action in the query is tampered.
    const parts = signRequest('DescribeDisks', { DiskId: other }, { accessKeyId: TEST_CREDENTIALS.accessKeyId,
      secret: TEST_CREDENTIALS.accessKeySecret, at: clock.now(), nonce: `attack-${nonce++}` });
    assert.deepEqual(await post(parts.url.replace('Action=DescribeDisks', 'Action=DeleteDisk'), parts.body), MISMATCH);
    assert.deepEqual(await diskIdsOf(root, { DiskId: other }), [other]);
  });

  it('a signature made for another method or path: SignatureDoesNotMatch', async () => {
    assert.deepEqual(await handSigned('DescribeDisks', {}, { signedFor: { method: 'GET' } }), MISMATCH);
    assert.deepEqual(await handSigned('DescribeDisks', {}, { signedFor: { path: '/admin/v1/accounts' } }), MISMATCH);
    assert.equal(((await handSigned('DescribeDisks', {})) as Body).TotalCount, 2);
  });

  it('a replayed nonce: SignatureNonceUsed, even re-signed over other parameters', async () => {
    const parts = signRequest('DeleteDisk', { DiskId: disk }, { accessKeyId: TEST_CREDENTIALS.accessKeyId,
      secret: TEST_CREDENTIALS.accessKeySecret, at: clock.now(), nonce: 'replayed-nonce' });
    assert.equal(typeof ((await post(parts.url, parts.body)) as Body).RequestId, 'string');
    assert.deepEqual(await post(parts.url, parts.body), NONCE_USED);
    assert.deepEqual(await handSigned('DescribeDisks', {}, { nonce: 'replayed-nonce' }), NONCE_USED);
  });

  it('a timestamp more than 15 minutes old or ahead: InvalidTimeStamp.Expired', async () => {
    assert.deepEqual(await handSigned('DescribeDisks', {}, { at: clock.now() - 16 * 60_000 }), STALE);
    assert.deepEqual(await handSigned('DescribeDisks', {}, { at: clock.now() + 16 * 60_000 }), STALE);
    assert.equal(typeof ((await handSigned('DescribeDisks', {}, { at: clock.now() - 14 * 60_000 })) as Body).TotalCount, 'number');
  });
});

describe('isolation between accounts and inside one', () => {
  let other: Call;
  let otherDisk = '';
  let rootDisk = '';
  before(async () => {
    const made = await admin('POST', '/accounts', { name: 'tenant-b' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const key = made.body.AccessKey as Body;
    secrets.push(key.AccessKeySecret as string);
    other = popClient(endpoint, { accessKeyId: key.AccessKeyId as string, accessKeySecret: key.AccessKeySecret as string }, 'POST');
    otherDisk = await newDisk(other);
    rootDisk = await newDisk(root);
  });

  it('another account\'s disk answers exactly as a disk that exists nowhere, and is untouched', async () => {
    const nowhere = 'd-nowhere0000000000000000';
    for (const action of ['DeleteDisk', 'ResizeDisk', 'CreateSnapshot', 'ModifyDiskAttribute']) {
      const p = { DiskId: otherDisk, EnsRegionId: REGION, NewSize: '2', SnapshotName: 'steal', DiskName: 'mine' };
      assert.deepEqual(await failure(root(action, p)), diskNotFound(otherDisk), action);
      assert.deepEqual(await failure(root(action, { ...p, DiskId: nowhere })), diskNotFound(nowhere), action);
    }
    assert.deepEqual(await diskIdsOf(root, { DiskId: otherDisk }), []);
    assert.deepEqual(await diskIdsOf(root, { DiskIds: JSON.stringify([otherDisk]) }), []);
    assert.deepEqual(await diskIdsOf(other, { DiskId: otherDisk }), [otherDisk]);
    assert.deepEqual(await failure(other('DeleteDisk', { DiskId: rootDisk })), diskNotFound(rootDisk));
  });

  it('a RAM user with a Describe-only policy: reads, and NoPermission for anything else', async () => {
    const { creds } = await ramUser(admin, server.accountId, 'reader', allow('ens:Describe*'));
    secrets.push(creds.accessKeySecret);
    const reader = coreClient(endpoint, creds);
    assert.ok((await diskIdsOf(reader)).includes(rootDisk));
    assert.deepEqual(await failure(reader('DeleteDisk', { DiskId: rootDisk })), NO_PERMISSION);
    assert.deepEqual(await failure(reader('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1',
      InstanceChargeType: 'PostPaid' })), NO_PERMISSION);
    assert.deepEqual(await failure(reader('CreateSnapshot', { DiskId: rootDisk, EnsRegionId: REGION })), NO_PERMISSION);
    assert.deepEqual(await diskIdsOf(root, { DiskId: rootDisk }), [rootDisk]);
  });

  it('STS credentials: refused without, with a malformed or another\'s token, and once expired', async () => {
    const { userId } = await ramUser(admin, server.accountId, 'temp', allow('ens:*'));
    const issue = async (): Promise<Credentials & { securityToken: string }> => {
      const res = await admin('POST', `/users/${userId}/sts-credentials`, { durationSeconds: 900 });
      const c = res.body.Credentials as Body;
      secrets.push(c.AccessKeySecret as string, c.SecurityToken as string);
      return { accessKeyId: c.AccessKeyId as string, accessKeySecret: c.AccessKeySecret as string, securityToken: c.SecurityToken as string };
    };
    const [sts, second] = [await issue(), await issue()];
    const pop = (c: Credentials, securityToken?: string): Call => {
      const client = new RPCClient({ ...c, securityToken, endpoint: `http://${endpoint}`, apiVersion: '2017-11-10' });
      return async (action, params = {}) => client.request<Body>(action, params, { method: 'POST' });
    };
    assert.equal(typeof (await pop(sts, sts.securityToken)('DescribeDisks')).TotalCount, 'number');
    assert.deepEqual(await failure(pop(sts)('DescribeDisks')), TOKEN_MISSING);
    assert.deepEqual(await failure(pop(sts, 'not an issued token')('DescribeDisks')), TOKEN_MALFORMED);
    const flip = (t: string): string => `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`;
    assert.deepEqual(await failure(pop(sts, flip(sts.securityToken))('DescribeDisks')), TOKEN_MISMATCH);
    assert.deepEqual(await failure(pop(sts, second.securityToken)('DescribeDisks')), TOKEN_MISMATCH);
    clock.advance(901_000);
    assert.deepEqual(await failure(pop(sts, sts.securityToken)('DescribeDisks')), TOKEN_EXPIRED);
    // openapi-core sends the token as the signed x-acs-security-token header (ACS3): expired all the same.
    assert.deepEqual(await failure(coreClient(endpoint, sts)('DescribeDisks')), TOKEN_EXPIRED);
  });

  it('a disabled AccessKey: InvalidAccessKeyId.Inactive', async () => {
    const made = await admin('POST', `/accounts/${server.accountId}/keys`);
    const key = made.body.AccessKey as Body;
    secrets.push(key.AccessKeySecret as string);
    const creds = { accessKeyId: key.AccessKeyId as string, accessKeySecret: key.AccessKeySecret as string };
    assert.equal((await admin('POST', `/keys/${creds.accessKeyId}/disable`)).status, 200);
    assert.deepEqual(await failure(coreClient(endpoint, creds)('DescribeDisks')), KEY_INACTIVE);
  });
});

describe('the admin API without its token', () => {
  const call = async (headers: Record<string, string>, path = '/admin/v1/accounts', method = 'GET') => {
    const res = await fetch(`http://${endpoint}${path}`, { method, headers });
    const b = (await res.json()) as Body;
    return { status: res.status, code: b.Code, message: b.Message };
  };

  it('no token, a wrong one, one of another length, another scheme: 401 Admin.Unauthorized, nothing runs', async () => {
    const token = server.adminToken;
    const flipped = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${flipped}` }, { authorization: `Bearer ${token}x` },
      { authorization: 'Bearer ' }, { authorization: `Basic ${token}` }, { authorization: token }, { 'x-admin-token': token }];
    for (const headers of attempts) {
      assert.deepEqual(await call(headers), UNAUTHORIZED, JSON.stringify(headers));
    }
    assert.deepEqual(await call({}, '/admin/v1/no-such-route'), UNAUTHORIZED);
    const before = (await admin('GET', '/accounts')).body.Accounts as unknown[];
    assert.deepEqual(await call({ authorization: `Bearer ${flipped}`, 'content-type': 'application/json' }, '/admin/v1/accounts', 'POST'),
      UNAUTHORIZED);
    assert.equal(((await admin('GET', '/accounts')).body.Accounts as unknown[]).length, before.length);
  });
});

describe('no secret in the log', () => {
  it('after failures and real internal errors, no line holds a secret, a token or the admin token', async () => {
    const disk = await newDisk(root);
    // Real internal failures: the region's block engine directory disappears under the running server.
    await rm(join(dir.path, 'engine', REGION), { recursive: true, force: true });
    const calls: [string, Record<string, string>][] = [['ResizeDisk', { DiskId: disk, NewSize: '2' }],
      ['CreateSnapshot', { DiskId: disk, EnsRegionId: REGION }], ['DeleteDisk', { DiskId: disk }],
      ['CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' }]];
    for (const [action, p] of calls) {
      await root(action, p).catch(() => undefined);
      await server.jobs.drain();
    }
    assert.ok(logLines.some((l) => /internal error|system error/.test(l)), `no internal error logged: ${logLines.join('\n')}`);
    assert.ok(secrets.length >= 8, `${secrets.length} secrets`);
    for (const line of logLines) {
      for (const s of secrets) assert.ok(!line.includes(s), `a secret in the log line: ${line.slice(0, 200)}`);
    }
  });
});
