/** Malformed HTTP never gets a 5xx or a non-JSON body: each case answers a documented 4xx code. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { ManualClock } from '../../src/kernel/clock.js';
import { buildTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
before(async () => {
  gw = await buildTestGateway(new ManualClock('2026-11-28T15:36:40Z'), { id: 'LTAIhostile', secret: 'secret' });
});
after(() => gw.close());

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const cases: { name: string; req: InjectOptions; code: string }[] = [
  { name: 'bad percent-encoding in the query', req: { method: 'GET', url: '/?Action=%zz' }, code: 'InvalidParameter.Encoding' },
  { name: 'invalid UTF-8 in the query', req: { method: 'GET', url: '/?Action=%C3%28' }, code: 'InvalidParameter.Encoding' },
  { name: 'bad percent-encoding in a form body', req: { method: 'POST', url: '/', headers: form, payload: 'a=%' }, code: 'InvalidParameter.Encoding' },
  { name: 'a duplicated parameter', req: { method: 'GET', url: '/?Action=A&Action=B' }, code: 'InvalidParameter.Duplicate' },
  { name: 'a bad path encoding', req: { method: 'GET', url: '/%zz' }, code: 'InvalidAction.NotFound' },
  { name: 'an unknown path', req: { method: 'POST', url: '/v1/snapshots' }, code: 'InvalidAction.NotFound' },
  { name: 'DELETE on /', req: { method: 'DELETE', url: '/' }, code: 'UnsupportedHTTPMethod' },
  { name: 'no signature at all', req: { method: 'POST', url: '/?Action=DescribeDisks' }, code: 'MissingSignature' },
  { name: 'a garbage Authorization header', req: { method: 'POST', url: '/', headers: { authorization: 'ACS3-HMAC-SHA256 nonsense' } }, code: 'IncompleteSignature' },
  { name: 'a JSON body', req: { method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: '{"a":' }, code: 'MissingSignature' },
  { name: 'an unknown key', req: { method: 'GET', url: '/?Action=DescribeDisks&Version=2017-11-10&AccessKeyId=nobody&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&SignatureNonce=1&Timestamp=2026-11-28T15:36:40Z&Signature=x' }, code: 'InvalidAccessKeyId.NotFound' },
  { name: 'a body over 1 MiB', req: { method: 'POST', url: '/', headers: form, payload: Buffer.alloc(1024 * 1024 + 1, 0x61) }, code: 'RequestEntityTooLarge' },
];

for (const c of cases) {
  it(c.name, async () => {
    const res = await gw.app.inject(c.req);
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `status ${res.statusCode}`);
    assert.equal(res.headers['content-type'], 'application/json;charset=utf-8');
    assert.equal((JSON.parse(res.body) as { Code: string }).Code, c.code);
  });
}
