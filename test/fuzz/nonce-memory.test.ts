/**
 * A signed client choosing huge SignatureNonce values (up to the 1 MiB body limit) must not make the server keep
 * them: nonces are remembered for 15 minutes (up to a million of them), so memory per remembered nonce has to
 * be bounded whatever its length. Measured on the heap after a forced collection.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, it } from 'node:test';
import { ManualClock } from '../../src/kernel/clock.js';
import { buildTestGateway, type TestGateway } from '../support/gateway.js';
import { FORM, signRequest } from './wire.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const KEY = { id: 'LTAInonceMemory0001', secret: 'nonce-memory-secret-0123' };
const MiB = 1024 * 1024;
const clock = new ManualClock('2026-11-28T12:00:00Z');
let gw: TestGateway;
before(async () => { gw = await buildTestGateway(clock, KEY); });
after(() => gw?.close());

it('48 accepted requests with 256 KiB nonces do not keep 12 MiB', async () => {
  const send = async (i: number) => {
    const nonce = `${i}-`.padEnd(256 * 1024, 'n');
    const parts = signRequest('DescribeEnsRegions', {}, { accessKeyId: KEY.id, secret: KEY.secret, at: clock.now(), nonce, allInBody: true });
    const res = await gw.app.inject({ method: 'POST', url: parts.url, headers: { 'content-type': FORM }, payload: parts.body });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  };
  await send(-1);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 48; i++) await send(i);
  gc();
  const growth = process.memoryUsage().heapUsed - before;
  assert.ok(growth < 6 * MiB, `the heap grew by ${Math.round(growth / MiB)} MiB`);
});
