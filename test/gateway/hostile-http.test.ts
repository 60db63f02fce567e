/** Malformed HTTP never gets a 5xx or a non-JSON body: each case answers a documented 4xx code. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { RunningEdgesnap } from '../../src/main.js';
import { ManualClock } from '../../src/kernel/clock.js';
import { buildTestGateway, type TestGateway } from '../support/gateway.js';
import { startTestServer, tempDir } from '../support/server.js';

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

/** What a real listener answers on a raw socket (these never reach fastify's routes, so inject cannot show them). */
describe('requests the HTTP parser refuses', { timeout: 60_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  before(async () => {
    dir = await tempDir('edgesnap-hostile-');
    server = await startTestServer(dir.path);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  const raw = (request: string): Promise<string> => new Promise((resolve, reject) => {
    const socket = connect(server.api.port, server.api.host, () => socket.end(request));
    let answer = '';
    socket.setEncoding('utf8').on('data', (d: string) => { answer += d; }).on('close', () => resolve(answer)).on('error', reject);
  });
  const parse = (answer: string): { status: number; code: string } => ({
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]),
    code: (JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { Code: string }).Code,
  });

  it('malformed HTTP answers MalformedRequest in the envelope', async () => {
    assert.deepEqual(parse(await raw('NOT HTTP AT ALL\r\n\r\n')), { status: 400, code: 'MalformedRequest' });
  });
  it('headers over 16 KiB answer RequestHeaderFieldsTooLarge in the envelope', async () => {
    const answer = await raw(`GET /?Action=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.deepEqual(parse(answer), { status: 431, code: 'RequestHeaderFieldsTooLarge' });
    assert.match(answer, /connection: close/i);
  });
});
