/**
 * STS-style temporary credentials end to end: issued over the admin API for a RAM user, used through
 * openapi-core (ACS3, `x-acs-security-token`) and pop-core (HMAC-SHA1, `SecurityToken`), authorized as that user;
 * refused without the token (MissingSecurityToken), with another credential's token (MismatchWithAccessKey), with
 * a token edgesnap never issues (Malformed), after the expiration (Expired, on the injected clock), for a
 * disabled or deleted user; bad durations answer InvalidParameter.DurationSeconds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isoSeconds, ManualClock } from '../../src/kernel/clock.js';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, type Body, type Call, type Credentials } from '../support/clients.js';
import { failure, invalid } from '../support/failures.js';
import { startTestServer, tempDir } from '../support/server.js';
import {
  adminClient, adminFailure, allow, endpointOf, KEY_INACTIVE, KEY_NOT_FOUND, NO_PERMISSION, ramUser, TOKEN_EXPIRED,
  TOKEN_MALFORMED, TOKEN_MISMATCH, TOKEN_MISSING, type AdminCall,
} from './identity-helpers.js';

interface StsCredentials extends Credentials {
  securityToken?: string;
}

const REGION = 'cn-hangzhou-telecom';
const createDisk = { EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', Size: '1' };

describe('identity: STS temporary credentials', { timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let admin: AdminCall;
  let clock: ManualClock;
  let userId = '';
  let sts: StsCredentials;

  // The clients sign with the real time: the server's clock starts there and only moves when told.
  const both = (creds: StsCredentials): Call[] =>
    [coreClient(endpointOf(server), creds), popClient(endpointOf(server), creds, 'POST')];
  const issue = async (body: unknown): Promise<StsCredentials> => {
    const res = await admin('POST', `/users/${userId}/sts-credentials`, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const c = res.body.Credentials as Body;
    return {
      accessKeyId: c.AccessKeyId as string, accessKeySecret: c.AccessKeySecret as string,
      securityToken: c.SecurityToken as string,
    };
  };

  before(async () => {
    dir = await tempDir('edgesnap-sts-');
    clock = new ManualClock(Date.now());
    server = await startTestServer(dir.path, { startJobs: false, clock });
    admin = adminClient(server);
    userId = (await ramUser(admin, server.accountId, 'temp', allow('ens:Describe*'))).userId;
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('issues credentials with an STS. id, a token and the expiration', async () => {
    const res = await admin('POST', `/users/${userId}/sts-credentials`, { durationSeconds: 900 });
    assert.equal(res.status, 201);
    const c = res.body.Credentials as Body;
    assert.match(c.AccessKeyId as string, /^STS\.[A-Za-z0-9]{24}$/);
    assert.match(c.AccessKeySecret as string, /^[A-Za-z0-9]{30}$/);
    assert.match(c.SecurityToken as string, /^CAIS[A-Za-z0-9]{96}$/);
    assert.equal(c.Expiration, isoSeconds(clock.now() + 900_000));
    assert.deepEqual(res.body.AssumedUser, { UserId: userId, AccountId: server.accountId });
    sts = { accessKeyId: c.AccessKeyId as string, accessKeySecret: c.AccessKeySecret as string, securityToken: c.SecurityToken as string };
    const defaulted = await admin('POST', `/users/${userId}/sts-credentials`);
    assert.equal((defaulted.body.Credentials as Body).Expiration, isoSeconds(clock.now() + 3600_000));
  });

  it('works with both signature schemes, authorized as the RAM user', async () => {
    for (const call of both(sts)) {
      assert.equal((await call('DescribeDisks', {})).TotalCount, 0);
      assert.deepEqual(await failure(call('CreateDisk', createDisk)), NO_PERMISSION);
    }
  });

  it('refuses a request without the token, with another one, or with a malformed one', async () => {
    const other = await issue({ durationSeconds: 900 });
    for (const call of both({ accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret })) {
      assert.deepEqual(await failure(call('DescribeDisks', {})), TOKEN_MISSING);
    }
    for (const call of both({ ...sts, securityToken: other.securityToken })) {
      assert.deepEqual(await failure(call('DescribeDisks', {})), TOKEN_MISMATCH);
    }
    for (const call of both({ ...sts, securityToken: 'CAIS.FAKE+sts/token==' })) {
      assert.deepEqual(await failure(call('DescribeDisks', {})), TOKEN_MALFORMED);
    }
    // The token is signed: a wrong secret is still SignatureDoesNotMatch, checked first.
    const [core] = both({ ...sts, accessKeySecret: 'x'.repeat(30), securityToken: other.securityToken });
    assert.equal((await failure(core!('DescribeDisks', {}))).code, 'SignatureDoesNotMatch');
  });

  it('refuses bad durations and unknown users with catalog codes', async () => {
    const fail = async (path: string, body?: unknown) => adminFailure(await admin('POST', path, body));
    for (const d of [899, 43_201, 'abc', 900.5, -1]) {
      assert.deepEqual(await fail(`/users/${userId}/sts-credentials`, { durationSeconds: d }), invalid('DurationSeconds'));
    }
    assert.deepEqual(await fail('/users/42/sts-credentials', { durationSeconds: 900 }),
      { status: 404, code: 'Admin.UserNotFound', message: 'The RAM user 42 does not exist.' });
  });

  it("follows its user: refused while the user is disabled, gone with the user", async () => {
    const { userId: id } = await ramUser(admin, server.accountId, 'short-lived', allow('ens:*'));
    const res = await admin('POST', `/users/${id}/sts-credentials`, { durationSeconds: 900 });
    const c = res.body.Credentials as Body;
    const creds: StsCredentials = {
      accessKeyId: c.AccessKeyId as string, accessKeySecret: c.AccessKeySecret as string, securityToken: c.SecurityToken as string,
    };
    const [core, pop] = both(creds);
    await core!('DescribeDisks', {});
    await admin('POST', `/users/${id}/disable`);
    assert.deepEqual(await failure(pop!('DescribeDisks', {})), KEY_INACTIVE);
    await admin('POST', `/users/${id}/enable`);
    await pop!('DescribeDisks', {});
    await admin('DELETE', `/users/${id}`);
    assert.deepEqual(await failure(core!('DescribeDisks', {})), KEY_NOT_FOUND);
  });

  it('expires on the server clock: valid one second before, InvalidSecurityToken.Expired at the expiration', async () => {
    clock.advance(899_000);
    for (const call of both(sts)) await call('DescribeDisks', {});
    clock.advance(1_000);
    for (const call of both(sts)) assert.deepEqual(await failure(call('DescribeDisks', {})), TOKEN_EXPIRED);
  });
});
