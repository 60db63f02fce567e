/**
 * Hostile HTTP on raw sockets against a real listener: bad percent-encoding, invalid UTF-8, duplicated
 * parameters, bodies over 1 MiB, headers over 16 KiB, slow senders, many connections at once and abrupt
 * disconnects. Each answer is a JSON envelope with a catalog code (never a 5xx); the server keeps answering a
 * normal signed request afterwards, logs no internal error, and its memory stays bounded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { RunningEdgesnap } from '../../src/main.js';
import { systemClock } from '../../src/kernel/clock.js';
import { seededIds } from '../../src/kernel/ids.js';
import { ACTIONS } from '../../src/actions/index.js';
import { ReplayGuard } from '../../src/gateway/auth/index.js';
import { buildGateway, DEFAULT_BODY_LIMIT, DEFAULT_HTTP_LIMITS } from '../../src/gateway/http-server.js';
import { coreClient } from '../support/clients.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { assertEnvelope, FORM, signRequest } from './wire.js';
import { dribble, exchange, httpRequest, parseResponse } from './raw-socket.js';

const MiB = 1024 * 1024;
let dir: { path: string; remove: () => Promise<void> };
let server: RunningEdgesnap;
const logLines: string[] = [];
let nonce = 0;
let rssAtStart = 0;

before(async () => {
  dir = await tempDir('edgesnap-rawhttp-');
  server = await startTestServer(dir.path, { log: (m) => logLines.push(m) });
  rssAtStart = process.memoryUsage().rss;
});
after(async () => {
  await server?.close();
  await dir?.remove();
});

const send = (request: string | Buffer, limitMs?: number) =>
  exchange(server.api.port, (s) => { s.end(typeof request === 'string' ? Buffer.from(request, 'latin1') : request); }, limitMs);

/** A correctly signed POST (common parameters in the query, business ones in the body) as raw HTTP text. */
function signedText(action: string, params: Record<string, string> = {}): string {
  const parts = signRequest(action, params, { accessKeyId: TEST_CREDENTIALS.accessKeyId,
    secret: TEST_CREDENTIALS.accessKeySecret, at: Date.now(), nonce: `raw-${nonce++}-${Date.now()}` });
  return httpRequest('POST', parts.url, { 'content-type': FORM }, parts.body);
}

const get = (query: string): string => httpRequest('GET', `/?${query}`, {});
const cases: { name: string; request: string; code?: string }[] = [
  { name: 'bad percent-encoding', request: get('Action=%zz'), code: 'InvalidParameter.Encoding' },
  { name: 'a truncated escape', request: get('Action=%4'), code: 'InvalidParameter.Encoding' },
  { name: 'invalid UTF-8 (C3 28)', request: get('Action=%C3%28'), code: 'InvalidParameter.Encoding' },
  { name: 'an overlong UTF-8 slash', request: get('Action=%C0%AF'), code: 'InvalidParameter.Encoding' },
  { name: 'an encoded surrogate half', request: get('Action=%ED%A0%80'), code: 'InvalidParameter.Encoding' },
  { name: 'a lone continuation byte', request: get('Action=%80'), code: 'InvalidParameter.Encoding' },
  { name: 'raw non-ASCII bytes in the URL', request: get('Action=\u00ff\u00fe') },
  { name: 'invalid UTF-8 in a form body', request: httpRequest('POST', '/', { 'content-type': FORM }, 'Action=%FF'),
    code: 'InvalidParameter.Encoding' },
  { name: 'a parameter twice in the query', request: get('Action=A&Action=A'), code: 'InvalidParameter.Duplicate' },
  { name: 'a parameter in query and body', request: httpRequest('POST', '/?Action=A', { 'content-type': FORM }, 'Action=B'),
    code: 'InvalidParameter.Duplicate' },
  { name: 'an empty key', request: get('=x&&&=') },
  { name: 'NUL in the query', request: get('Action=%00') },
  { name: 'a body over 1 MiB', request: httpRequest('POST', '/', { 'content-type': FORM }, 'a'.repeat(MiB + 1)),
    code: 'RequestEntityTooLarge' },
  { name: 'a chunked body over 1 MiB', request: httpRequest('POST', '/', { 'content-type': FORM, 'transfer-encoding': 'chunked' },
    `${(2 * MiB).toString(16)}\r\n${'a'.repeat(2 * MiB)}\r\n0\r\n\r\n`), code: 'RequestEntityTooLarge' },
  { name: 'a Content-Length of 10 GiB', request: httpRequest('POST', '/', { 'content-type': FORM, 'content-length': String(10 * 1024 * MiB) }),
    code: 'RequestEntityTooLarge' },
  { name: 'a header over 16 KiB', request: httpRequest('GET', '/', { 'x-big': 'b'.repeat(17 * 1024) }), code: 'RequestHeaderFieldsTooLarge' },
  { name: 'a non-numeric Content-Length', request: httpRequest('POST', '/', { 'content-length': 'abc' }), code: 'MalformedRequest' },
  { name: 'Content-Length and chunked together', request: httpRequest('POST', '/', { 'content-length': '3', 'transfer-encoding': 'chunked' }, 'abc'),
    code: 'MalformedRequest' },
  { name: 'not HTTP', request: 'HELLO\r\n\r\n', code: 'MalformedRequest' },
  { name: 'an unknown method', request: httpRequest('BREW', '/', {}) },
  { name: 'a JSON body', request: httpRequest('POST', '/', { 'content-type': 'application/json' }, '{"Action":"DescribeDisks"}'),
    code: 'MissingSignature' },
];

describe('fuzz: raw HTTP against the listener', { timeout: 110_000 }, () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { text, closed } = await send(c.request);
      assert.ok(closed, 'the server closes (Connection: close or a refused request)');
      const code = assertEnvelope(parseResponse(text), c.name);
      if (c.code) assert.equal(code, c.code);
    });
  }

  it('a signed request sent one byte at a time is answered normally', async () => {
    const { text } = await exchange(server.api.port, (s) => dribble(s, signedText('DescribeEnsRegions'), 1));
    assert.equal(parseResponse(text).status, 200, text.slice(0, 400));
  });

  it('300 connections at once, a third dropped abruptly, are all answered or closed', async () => {
    const all = Array.from({ length: 300 }, async (_, i) => {
      if (i % 3 === 0) {
        const r = await exchange(server.api.port, (s) => { s.write('POST / HTTP/1.1\r\nHost: x\r\n'); s.destroy(); });
        return { ...r, name: '' };
      }
      const c = cases[i % cases.length]!;
      return { ...(await send(c.request)), name: c.name };
    });
    for (const r of await Promise.all(all)) {
      assert.ok(r.closed);
      if (r.name) assertEnvelope(parseResponse(r.text), `concurrent ${r.name}`);
    }
  });

  it('disconnects mid-headers and mid-body, and more bodies over the limit, many times', async () => {
    for (let round = 0; round < 20; round++) {
      await Promise.all([
        exchange(server.api.port, (s) => { s.write(signedText('DescribeDisks').slice(0, 40 + round)); s.destroy(); }),
        exchange(server.api.port, (s) => {
          s.write(httpRequest('POST', '/', { 'content-type': FORM, 'content-length': String(900 * 1024) }).concat('a'.repeat(300 * 1024)));
          s.destroy();
        }),
        send(httpRequest('POST', '/', { 'content-type': FORM }, 'a'.repeat(2 * MiB))),
      ]);
    }
  });

  it('over the whole run (~100 MiB of hostile traffic) RSS grew less than a generous 200 MiB', () => {
    const growth = process.memoryUsage().rss - rssAtStart;
    assert.ok(growth < 200 * MiB, `RSS grew by ${Math.round(growth / MiB)} MiB`);
  });

  it('afterwards the official client still works and nothing was logged as an internal error', async () => {
    const ens = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    const body = await ens('DescribeEnsRegions');
    assert.ok(((body.EnsRegions as { EnsRegions?: unknown[] }).EnsRegions ?? []).length > 0, JSON.stringify(body));
    assert.deepEqual(logLines.filter((l) => /internal error|system error/.test(l)), []);
  });
});

it('docs/reliability.md states the listener\'s limits as configured', () => {
  const doc = readFileSync(join(process.cwd(), 'docs/reliability.md'), 'utf8');
  const l = DEFAULT_HTTP_LIMITS;
  assert.equal(DEFAULT_BODY_LIMIT, MiB);
  for (const row of [`| request body | 1 MiB`, `| ${l.headersTimeoutMs / 1000} s |`, `| ${l.requestTimeoutMs / 1000} s |`,
    `| ${l.checkIntervalMs / 1000} s (Node's check interval)`, `| ${l.keepAliveTimeoutMs / 1000} s |`, `| open API connections | ${l.maxConnections} |`]) {
    assert.ok(doc.includes(row), row);
  }
});

describe('fuzz: slow senders are cut off by the listener\'s time limits', { timeout: 60_000 }, () => {
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    // The real gateway over the running server's services, with limits short enough for a test.
    app = buildGateway({ services: server.services, actions: ACTIONS, ids: seededIds(7), replay: new ReplayGuard(systemClock),
      actionOptions: { snapshotIdFormat: 'array' }, limits: { headersTimeoutMs: 500, requestTimeoutMs: 1_000, checkIntervalMs: 100 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  after(() => app?.close());

  it('headers dribbled forever: RequestTimeout (408), connection closed', async () => {
    const r = await exchange(port, (s) => dribble(s, `GET /?Action=DescribeDisks HTTP/1.1\r\n${'x-slow: y\r\n'.repeat(10_000)}`, 50));
    assert.ok(r.closed, 'the server closed the connection');
    assert.equal(assertEnvelope(parseResponse(r.text), 'slow headers'), 'RequestTimeout');
  });

  it('a body dribbled forever: RequestTimeout (408), connection closed', async () => {
    const r = await exchange(port, async (s) => {
      s.write(httpRequest('POST', '/', { 'content-type': FORM, 'content-length': '100000' }));
      await dribble(s, 'a'.repeat(100_000), 50);
    });
    assert.ok(r.closed, 'the server closed the connection');
    assert.equal(assertEnvelope(parseResponse(r.text), 'slow body'), 'RequestTimeout');
  });

  it('a complete request is still answered by the same listener', async () => {
    const r = await exchange(port, (s) => { s.end(Buffer.from(signedText('DescribeEnsRegions'), 'latin1')); });
    assert.equal(parseResponse(r.text).status, 200);
  });
});
