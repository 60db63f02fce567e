/**
 * Accounts and their AccessKeys end to end: created over the admin API (secret shown once), used through
 * openapi-core (ACS3) and pop-core (HMAC-SHA1); each account sees only its own resources; a disabled key
 * answers InvalidAccessKeyId.Inactive until enabled again, a deleted one InvalidAccessKeyId.NotFound; an
 * account is deleted only once it owns nothing; bad admin input answers catalog codes and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, type Body, type Call, type Credentials } from '../support/clients.js';
import { failure, invalid, missing } from '../support/failures.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import {
  adminClient, adminFailure, endpointOf, KEY_INACTIVE, KEY_NOT_FOUND, secretsIn, type AdminCall,
} from './identity-helpers.js';

const REGION = 'cn-hangzhou-telecom';

describe('identity: accounts and AccessKeys', { timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let admin: AdminCall;
  let root: Call;
  let accountId = '';
  let creds: Credentials;

  const disks = async (via: Call): Promise<string[]> =>
    (((await via('DescribeDisks', {})).Disks as { Disks: Body[] }).Disks).map((d) => d.DiskId as string);
  const newDisk = async (via: Call): Promise<string> => {
    const res = await via('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', Size: '1' });
    await server.jobs.drain();
    return (res.InstanceIds as string[])[0]!;
  };

  before(async () => {
    dir = await tempDir('edgesnap-identity-');
    server = await startTestServer(dir.path, { startJobs: false });
    admin = adminClient(server);
    root = coreClient(endpointOf(server), TEST_CREDENTIALS);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('creates an account with an AccessKey whose secret is answered once', async () => {
    const res = await admin('POST', '/accounts', { name: 'team-b' });
    assert.equal(res.status, 201);
    const account = res.body.Account as Body;
    const key = res.body.AccessKey as Body;
    accountId = account.AccountId as string;
    assert.match(accountId, /^[1-9]\d{15}$/);
    assert.equal(account.AccountName, 'team-b');
    assert.match(key.AccessKeyId as string, /^LTAI[A-Za-z0-9]{20}$/);
    assert.match(key.AccessKeySecret as string, /^[A-Za-z0-9]{30}$/);
    assert.equal(key.Status, 'Active');
    creds = { accessKeyId: key.AccessKeyId as string, accessKeySecret: key.AccessKeySecret as string };
    const listed = await admin('GET', '/accounts');
    assert.deepEqual((listed.body.Accounts as Body[]).map((a) => a.AccountId), [server.accountId, accountId]);
    const keys = await admin('GET', `/accounts/${accountId}/keys`);
    assert.deepEqual((keys.body.AccessKeys as Body[]).map((k) => k.AccessKeyId), [creds.accessKeyId]);
    assert.deepEqual(secretsIn([listed.body, keys.body]), []);
  });

  it('the second account works through both clients and sees only its own disks', async () => {
    const b = coreClient(endpointOf(server), creds);
    const bPop = popClient(endpointOf(server), creds, 'POST');
    const rootDisk = await newDisk(root);
    const bDisk = await newDisk(b);
    assert.deepEqual(await disks(b), [bDisk]);
    assert.deepEqual(await disks(bPop), [bDisk]);
    assert.deepEqual(await disks(root), [rootDisk]);
    const gone = await failure(b('DeleteDisk', { DiskId: rootDisk }));
    assert.equal(gone.code, 'InvalidDiskId.NotFound');
    assert.deepEqual(await disks(root), [rootDisk], "the root's disk is untouched");
  });

  it('disables, enables and deletes an AccessKey, each answered with the exact code', async () => {
    const made = await admin('POST', `/accounts/${accountId}/keys`);
    assert.equal(made.status, 201);
    const key = made.body.AccessKey as Body;
    const second: Credentials = { accessKeyId: key.AccessKeyId as string, accessKeySecret: key.AccessKeySecret as string };
    const viaCore = coreClient(endpointOf(server), second);
    const viaPop = popClient(endpointOf(server), second);
    assert.equal((await disks(viaCore)).length, 1);
    const disabled = await admin('POST', `/keys/${second.accessKeyId}/disable`);
    assert.equal((disabled.body.AccessKey as Body).Status, 'Inactive');
    assert.deepEqual(secretsIn(disabled.body), []);
    assert.deepEqual(await failure(viaCore('DescribeDisks')), KEY_INACTIVE);
    assert.deepEqual(await failure(viaPop('DescribeDisks')), KEY_INACTIVE);
    assert.equal((await disks(coreClient(endpointOf(server), creds))).length, 1, 'the other key still works');
    await admin('POST', `/keys/${second.accessKeyId}/enable`);
    assert.equal((await disks(viaPop)).length, 1);
    assert.equal((await admin('DELETE', `/keys/${second.accessKeyId}`)).status, 200);
    assert.deepEqual(await failure(viaCore('DescribeDisks')), KEY_NOT_FOUND);
    assert.deepEqual(await failure(viaPop('DescribeDisks')), KEY_NOT_FOUND);
  });

  it('refuses bad admin input with catalog codes and changes nothing', async () => {
    const fail = async (method: string, path: string, body?: unknown) => adminFailure(await admin(method, path, body));
    assert.deepEqual(await fail('POST', '/accounts', {}), missing('Name'));
    assert.deepEqual(await fail('POST', '/accounts', { name: 'x'.repeat(65) }), invalid('Name'));
    assert.deepEqual(await fail('POST', '/accounts', { name: 7 }), invalid('Name'));
    assert.deepEqual(await fail('POST', '/accounts', { name: 'a', secret: 's' }), invalid('Secret'));
    assert.deepEqual(await fail('POST', '/accounts', '[1]'), invalid('Body'));
    const noAccount = { status: 404, code: 'Admin.AccountNotFound', message: 'The account 42 does not exist.' };
    assert.deepEqual(await fail('POST', '/accounts/42/keys'), noAccount);
    assert.deepEqual(await fail('GET', '/accounts/42/keys'), noAccount);
    assert.deepEqual(await fail('DELETE', '/accounts/42'), noAccount);
    const noKey = { status: 404, code: 'Admin.AccessKeyNotFound', message: 'The AccessKey LTAInope does not exist.' };
    assert.deepEqual(await fail('POST', '/keys/LTAInope/disable'), noKey);
    assert.deepEqual(await fail('POST', '/keys/LTAInope/enable'), noKey);
    assert.deepEqual(await fail('DELETE', '/keys/LTAInope'), noKey);
    assert.deepEqual(await fail('DELETE', `/accounts/${server.accountId}`),
      { status: 409, code: 'Admin.RootAccount', message: 'The root account cannot be deleted.' });
    assert.equal(((await admin('GET', '/accounts')).body.Accounts as Body[]).length, 2);
  });

  it('deletes an account only once it owns nothing; its keys stop working', async () => {
    const b = coreClient(endpointOf(server), creds);
    assert.deepEqual(adminFailure(await admin('DELETE', `/accounts/${accountId}`)), {
      status: 409, code: 'Admin.AccountNotEmpty',
      message: `The account ${accountId} still owns disks, snapshots or instances: delete them first.`,
    });
    assert.equal((await disks(b)).length, 1, 'nothing changed');
    await b('DeleteDisk', { DiskId: (await disks(b))[0]! });
    await server.jobs.drain();
    assert.equal((await admin('DELETE', `/accounts/${accountId}`)).status, 200);
    assert.deepEqual(await failure(b('DescribeDisks')), KEY_NOT_FOUND);
    assert.deepEqual(((await admin('GET', '/accounts')).body.Accounts as Body[]).map((a) => a.AccountId), [server.accountId]);
    assert.equal((await disks(root)).length, 1, "root's disk is still there");
  });
});
