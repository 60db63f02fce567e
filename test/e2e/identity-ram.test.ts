/**
 * RAM users and policies end to end, through openapi-core (ACS3) and pop-core (HMAC-SHA1): a user's request is
 * evaluated against the policies attached to it — `ens:Describe*` allows DescribeDisks but not CreateSnapshot
 * (NoPermission, nothing created); an explicit Deny on one disk's ARN beats an Allow `*`; a policy limited to
 * one region allows only that region's disks; a disabled user or key is refused with the exact code; the
 * policy admin routes refuse bad documents and bad requests with catalog codes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, type Body, type Call } from '../support/clients.js';
import { failure, invalid } from '../support/failures.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import {
  adminClient, adminFailure, allow, endpointOf, KEY_INACTIVE, KEY_NOT_FOUND, NO_PERMISSION, ramUser, secretsIn,
  type AdminCall,
} from './identity-helpers.js';

const REGION = 'cn-hangzhou-telecom';
const OTHER_REGION = 'cn-beijing-15';

describe('identity: RAM users and policies', { timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let admin: AdminCall;
  let root: Call;
  let disk = '';
  let otherDisk = '';
  let farDisk = '';

  const clients = (creds: { accessKeyId: string; accessKeySecret: string }): Call[] =>
    [coreClient(endpointOf(server), creds), popClient(endpointOf(server), creds, 'POST')];
  const newDisk = async (region = REGION): Promise<string> => {
    const res = await root('CreateDisk', { EnsRegionId: region, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', Size: '1' });
    await server.jobs.drain();
    return (res.InstanceIds as string[])[0]!;
  };
  const diskName = async (id: string): Promise<string> =>
    (((await root('DescribeDisks', { DiskId: id })).Disks as { Disks: Body[] }).Disks[0]!.DiskName as string);
  const snapshotCount = async (): Promise<number> => (await root('DescribeSnapshots', {})).TotalCount as number;

  before(async () => {
    dir = await tempDir('edgesnap-ram-');
    server = await startTestServer(dir.path, { startJobs: false });
    admin = adminClient(server);
    root = coreClient(endpointOf(server), TEST_CREDENTIALS);
    disk = await newDisk();
    otherDisk = await newDisk();
    farDisk = await newDisk(OTHER_REGION);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('ens:Describe* allows DescribeDisks; CreateSnapshot answers NoPermission and creates nothing', async () => {
    const { creds } = await ramUser(admin, server.accountId, 'reader', allow('ens:Describe*'));
    for (const call of clients(creds)) {
      assert.equal(((await call('DescribeDisks', {})).TotalCount), 3);
      assert.deepEqual(await failure(call('CreateSnapshot', { EnsRegionId: REGION, DiskId: disk })), NO_PERMISSION);
      assert.deepEqual(await failure(call('DeleteDisk', { DiskId: disk })), NO_PERMISSION);
    }
    assert.equal(await snapshotCount(), 0);
    assert.equal(((await root('DescribeDisks', {})).TotalCount), 3, 'no disk deleted');
  });

  it('a user without any policy is denied everything (deny by default)', async () => {
    const { creds } = await ramUser(admin, server.accountId, 'nobody');
    for (const call of clients(creds)) assert.deepEqual(await failure(call('DescribeDisks', {})), NO_PERMISSION);
  });

  it('an explicit Deny on one disk ARN beats an Allow on *', async () => {
    const document = {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'ens:*', Resource: '*' },
        { Effect: 'Deny', Action: 'ens:ModifyDiskAttribute', Resource: `acs:ens:*:${server.accountId}:disk/${disk}` },
      ],
    };
    const { creds } = await ramUser(admin, server.accountId, 'mostly', document);
    for (const [i, call] of clients(creds).entries()) {
      assert.deepEqual(await failure(call('ModifyDiskAttribute', { DiskId: disk, DiskName: `denied-${i}` })), NO_PERMISSION);
      await call('ModifyDiskAttribute', { DiskId: otherDisk, DiskName: `allowed-${i}` });
      assert.equal(await diskName(otherDisk), `allowed-${i}`);
    }
    assert.equal(await diskName(disk), '', 'the denied disk is unchanged');
  });

  it('a policy limited to one region allows only that region', async () => {
    const { creds } = await ramUser(admin, server.accountId, 'hangzhou',
      allow('ens:*', `acs:ens:${REGION}:${server.accountId}:*`));
    const [call] = clients(creds);
    await call!('ModifyDiskAttribute', { DiskId: otherDisk, DiskName: 'in-region' });
    assert.equal(await diskName(otherDisk), 'in-region');
    assert.deepEqual(await failure(call!('ModifyDiskAttribute', { DiskId: farDisk, DiskName: 'x' })), NO_PERMISSION);
    assert.deepEqual(await failure(call!('CreateDisk', {
      EnsRegionId: OTHER_REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', Size: '1' })), NO_PERMISSION);
    const made = await call!('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', Size: '1' });
    assert.equal((made.InstanceIds as string[]).length, 1);
    assert.equal(await diskName(farDisk), '');
    // A disk of another account, or none at all, has no region of the caller's: not allowed by a region-scoped policy.
    assert.deepEqual(await failure(call!('DeleteDisk', { DiskId: 'd-zzzzzzzzzzzzzzzzzzzzzzzz' })), NO_PERMISSION);
  });

  it('detaching the policy takes effect at once; a disabled user or key answers Inactive, a deleted one NotFound', async () => {
    const { userId, creds } = await ramUser(admin, server.accountId, 'toggled', allow('ens:Describe*'));
    const [core, pop] = clients(creds);
    assert.equal(((await core!('DescribeDisks', {})).TotalCount), 4);
    assert.equal((await admin('POST', `/users/${userId}/disable`)).status, 200);
    assert.deepEqual(await failure(core!('DescribeDisks', {})), KEY_INACTIVE);
    assert.deepEqual(await failure(pop!('DescribeDisks', {})), KEY_INACTIVE);
    await admin('POST', `/users/${userId}/enable`);
    await core!('DescribeDisks', {});
    await admin('POST', `/keys/${creds.accessKeyId}/disable`);
    assert.deepEqual(await failure(pop!('DescribeDisks', {})), KEY_INACTIVE);
    await admin('POST', `/keys/${creds.accessKeyId}/enable`);
    assert.equal((await admin('DELETE', `/users/${userId}/policies/toggled-policy`)).status, 200);
    assert.deepEqual(await failure(core!('DescribeDisks', {})), NO_PERMISSION);
    assert.equal((await admin('DELETE', `/users/${userId}`)).status, 200);
    assert.deepEqual(await failure(core!('DescribeDisks', {})), KEY_NOT_FOUND);
  });

  it("a RAM user of another account sees only that account's resources", async () => {
    const other = await admin('POST', '/accounts', { name: 'team-c' });
    const accountId = (other.body.Account as Body).AccountId as string;
    const { creds } = await ramUser(admin, accountId, 'admin-c', allow('ens:*'));
    const [core] = clients(creds);
    assert.equal(((await core!('DescribeDisks', {})).TotalCount), 0);
    assert.equal((await failure(core!('DeleteDisk', { DiskId: disk }))).code, 'InvalidDiskId.NotFound');
  });

  it('refuses bad users, policies and attachments with catalog codes', async () => {
    const acc = server.accountId;
    const fail = async (method: string, path: string, body?: unknown) => adminFailure(await admin(method, path, body));
    const user = await admin('POST', `/accounts/${acc}/users`, { name: 'checker' });
    const userId = (user.body.User as Body).UserId as string;
    assert.deepEqual(secretsIn(user.body), []);
    const key = await admin('POST', `/users/${userId}/keys`);
    assert.deepEqual(secretsIn(key.body), ['AccessKeySecret'], 'the secret is answered once, when created');
    const keys = await admin('GET', `/users/${userId}/keys`);
    assert.deepEqual((keys.body.AccessKeys as Body[]).map((k) => [k.AccessKeyId, k.UserId, k.Status]),
      [[(key.body.AccessKey as Body).AccessKeyId, userId, 'Active']]);
    assert.deepEqual(secretsIn([keys.body, (await admin('GET', `/accounts/${acc}/users`)).body]), []);
    assert.deepEqual(await fail('POST', `/accounts/${acc}/users`, { name: 'x', policy: 'p' }), invalid('Policy'));
    assert.deepEqual(await fail('POST', `/accounts/${acc}/users`, { name: 'checker' }),
      { status: 409, code: 'Admin.UserAlreadyExists', message: 'The account already has a RAM user named checker.' });
    assert.deepEqual(await fail('POST', `/accounts/${acc}/users`, { name: 'bad name' }), invalid('Name'));
    assert.deepEqual(await fail('POST', '/users/123/disable'),
      { status: 404, code: 'Admin.UserNotFound', message: 'The RAM user 123 does not exist.' });
    const malformed = (what: string) => ({ status: 400, code: 'Admin.MalformedPolicyDocument', message: `The policy document is malformed: ${what}.` });
    assert.deepEqual(await fail('POST', `/accounts/${acc}/policies`, { name: 'p1', document: '{"Version":"1"' }),
      malformed('the policy document is not valid JSON (Expected \',\' or \'}\' after property value in JSON at position 14)'));
    assert.deepEqual(await fail('POST', `/accounts/${acc}/policies`,
      { name: 'p1', document: { Version: '1', Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] } }),
    malformed('Statement[0].Effect: must be "Allow" or "Deny"'));
    assert.deepEqual(await fail('POST', `/accounts/${acc}/policies`, { name: 'p1', document: allow('CreateSnapshot') }),
      malformed('Statement[0].Action: "CreateSnapshot" is not an action: use <ram-code>:<action-name>, e.g. ens:CreateSnapshot'));
    assert.deepEqual(await fail('POST', `/accounts/${acc}/policies`, { name: 'p1' }),
      { status: 400, code: 'MissingDocument', message: 'Document is mandatory for this action.' });
    assert.deepEqual(await fail('POST', `/accounts/${acc}/policies`, { name: 'p_1', document: allow('ens:*') }), invalid('Name'));
    assert.equal((await admin('POST', `/accounts/${acc}/policies`, { name: 'p1', document: allow('ens:*') })).status, 201);
    assert.deepEqual(await fail('POST', `/accounts/${acc}/policies`, { name: 'p1', document: allow('ens:*') }),
      { status: 409, code: 'Admin.PolicyAlreadyExists', message: 'The account already has a policy named p1.' });
    assert.deepEqual(await fail('POST', `/users/${userId}/policies/p2`),
      { status: 404, code: 'Admin.PolicyNotFound', message: 'The account has no policy named p2.' });
    assert.deepEqual(await fail('DELETE', `/users/${userId}/policies/p1`),
      { status: 404, code: 'Admin.PolicyNotAttached', message: 'The policy p1 is not attached to the user.' });
    await admin('POST', `/users/${userId}/policies/p1`);
    assert.deepEqual(await fail('POST', `/users/${userId}/policies/p1`),
      { status: 409, code: 'Admin.PolicyAlreadyAttached', message: 'The policy p1 is already attached to the user.' });
    assert.deepEqual((await admin('GET', `/users/${userId}/policies`)).body.PolicyNames, ['p1']);
    assert.deepEqual(await fail('DELETE', `/accounts/${acc}/policies/p1`),
      { status: 409, code: 'Admin.PolicyInUse', message: 'The policy p1 is attached to RAM users: detach it first.' });
    await admin('DELETE', `/users/${userId}/policies/p1`);
    assert.equal((await admin('DELETE', `/accounts/${acc}/policies/p1`)).status, 200);
    assert.ok(!((await admin('GET', `/accounts/${acc}/policies`)).body.Policies as Body[]).some((p) => p.PolicyName === 'p1'));
  });
});
