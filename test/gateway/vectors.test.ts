/**
 * The 33 requests captured from the official clients, replayed against the
 * gateway in-process with the clock set to their capture time: every one
 * authenticates; a replay, a stale clock, a wrong secret, an unknown or a
 * disabled key are each refused with the Alibaba gateway's code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/kernel/clock.js';
import { buildTestGateway, type TestGateway } from '../support/gateway.js';

interface Vector { variant: string; method: string; url: string; headers: [string, string][]; body: string }
const fixture = JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/alibaba-signed-requests.json'), 'utf8')) as {
  credentials: { accessKeyId: string; accessKeySecret: string };
  requests: Vector[];
};
const CAPTURED_AT = '2026-11-28T15:36:40Z';
const creds = { id: fixture.credentials.accessKeyId, secret: fixture.credentials.accessKeySecret };

function inject(gw: TestGateway, v: Vector) {
  const headers: Record<string, string> = {};
  for (const [k, value] of v.headers) {
    if (!['transfer-encoding', 'content-length', 'connection'].includes(k.toLowerCase())) headers[k.toLowerCase()] = value;
  }
  return gw.app.inject({ method: v.method as 'GET' | 'POST', url: v.url, headers, payload: v.body || undefined });
}

function envelope(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  assert.equal(res.headers['content-type'], 'application/json;charset=utf-8');
  const body = JSON.parse(res.body) as Record<string, string>;
  assert.deepEqual(Object.keys(body), ['RequestId', 'HostId', 'Code', 'Message', 'Recommend']);
  assert.equal(res.headers['x-acs-request-id'], body.RequestId);
  return { status: res.statusCode, code: body.Code, message: body.Message };
}

describe('gateway: the captured requests of the official clients', () => {
  let clock: ManualClock;
  let gw: TestGateway;
  before(async () => {
    clock = new ManualClock(CAPTURED_AT);
    gw = await buildTestGateway(clock, creds);
  });
  after(() => gw.close());

  it('authenticates all 33 and reaches the action', async () => {
    assert.equal(fixture.requests.length, 33);
    for (const v of fixture.requests) {
      const r = envelope(await inject(gw, v));
      if (v.variant === 'ecs-generated-sdk') {
        // The real ECS SDK's request: signed correctly, but for ECS's API version.
        assert.deepEqual(r, { status: 400, code: 'InvalidVersion', message: 'Specified parameter Version is not valid.' });
      } else if (v.variant.endsWith('-tricky')) {
        // `snap name*~!'()+/&=:中文` breaks SnapshotName's rule: validation runs before the disk lookup.
        assert.deepEqual(r, { status: 400, code: 'InvalidParameter.SnapshotName',
          message: 'The specified field SnapshotName invalid. Please check it again.' }, v.variant);
      } else {
        assert.deepEqual(r, { status: 404, code: 'InvalidDiskId.NotFound',
          message: 'The specified disk d-5xyzfakediskid0001 does not exist.' }, v.variant);
      }
    }
  });

  it('refuses every one replayed within the window: SignatureNonceUsed', async () => {
    for (const v of fixture.requests) {
      assert.deepEqual(envelope(await inject(gw, v)), { status: 400, code: 'SignatureNonceUsed',
        message: 'Specified signature nonce was used already.' }, v.variant);
    }
  });
});

describe('gateway: refusals', () => {
  const pick = fixture.requests.find((v) => v.variant === 'core-v3-post-query')!;
  const popGet = fixture.requests.find((v) => v.variant === 'pop-get')!;

  it('a request 16 minutes old: InvalidTimeStamp.Expired', async () => {
    const clock = new ManualClock(Date.parse(CAPTURED_AT) + 16 * 60_000);
    const gw = await buildTestGateway(clock, creds);
    try {
      for (const v of [pick, popGet]) {
        assert.deepEqual(envelope(await inject(gw, v)), { status: 400, code: 'InvalidTimeStamp.Expired',
          message: 'Specified time stamp or date value is expired.' });
      }
    } finally {
      await gw.close();
    }
  });

  it('a wrong secret: SignatureDoesNotMatch; an unknown key: InvalidAccessKeyId.NotFound', async () => {
    const clock = new ManualClock(CAPTURED_AT);
    const wrong = await buildTestGateway(clock, { id: creds.id, secret: `${creds.secret}x` });
    const other = await buildTestGateway(clock, { id: 'LTAI5tSOMEoneElse000001', secret: creds.secret });
    try {
      for (const v of [pick, popGet]) {
        assert.deepEqual(envelope(await inject(wrong, v)), { status: 400, code: 'SignatureDoesNotMatch',
          message: 'Specified signature is not matched with our calculation.' });
        assert.deepEqual(envelope(await inject(other, v)), { status: 404, code: 'InvalidAccessKeyId.NotFound',
          message: 'Specified access key is not found.' });
      }
    } finally {
      await wrong.close();
      await other.close();
    }
  });

  it('a disabled key: InvalidAccessKeyId.Inactive', async () => {
    const gw = await buildTestGateway(new ManualClock(CAPTURED_AT), creds);
    try {
      await gw.services.accounts.setKeyStatus(creds.id, 'Inactive');
      assert.deepEqual(envelope(await inject(gw, pick)), { status: 400, code: 'InvalidAccessKeyId.Inactive',
        message: 'Specified access key is disabled.' });
    } finally {
      await gw.close();
    }
  });

  it('unknown paths and methods answer the JSON envelope, never HTML', async () => {
    const gw = await buildTestGateway(new ManualClock(CAPTURED_AT), creds);
    try {
      assert.deepEqual(envelope(await gw.app.inject({ method: 'GET', url: '/nope' })), { status: 404,
        code: 'InvalidAction.NotFound', message: 'Specified api is not found, please check your url and method.' });
      assert.equal(envelope(await gw.app.inject({ method: 'PUT', url: '/' })).code, 'UnsupportedHTTPMethod');
      assert.equal(envelope(await gw.app.inject({ method: 'GET', url: '/' })).code, 'MissingSignature');
      const big = await gw.app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'a='.padEnd(2 * 1024 * 1024, 'x') });
      assert.equal(envelope(big).code, 'RequestEntityTooLarge');
    } finally {
      await gw.close();
    }
  });
});
