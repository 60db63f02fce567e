/**
 * Property-based fuzzing of every action's parameters through the in-process gateway: each run picks an action
 * of ACTIONS and sends, correctly signed, random and adversarial values (unicode, control characters, lone
 * surrogates, 100 KB strings, JSON-ish text, numbers, empty values, malformed `.N` lists) for the parameters the
 * action reads. Whatever the input: never a 5xx, always a JSON envelope — a success, or an error whose code is in
 * the catalog with the catalog's status. Seeded (FUZZ_SEED overrides the fixed default) and bounded (FUZZ_RUNS).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../src/kernel/clock.js';
import { ACTIONS } from '../../src/actions/index.js';
import { buildTestGateway, type TestGateway } from '../support/gateway.js';
import { assertEnvelope, FORM, signRequest } from './wire.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed6);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const KEY = { id: 'LTAIfuzzParams0001', secret: 'fuzz-secret-0123456789' };
const REGION = 'cn-hangzhou-telecom';

interface ParamSet { scalars: string[]; lists: string[] }

/**
 * The parameters an action reads, taken from its source so a parameter added later is fuzzed too: the names
 * passed to the Params readers, plus those of the shared readers (`readTags`, `readResourceIds`, `page`).
 */
function paramsOf(action: string): ParamSet {
  const src = readFileSync(join(process.cwd(), 'src/actions', `${action}.ts`), 'utf8');
  const names = (re: RegExp): string[] => [...src.matchAll(re)].map((m) => m[1]!);
  const scalars = new Set(names(/\b(?:required|optional|oneOf|integer|idList|has)\('([A-Za-z]+)'/g));
  for (const n of names(/\bidParam\(p, '([A-Za-z]+)'/g)) scalars.add(n);
  if (/\.page\(/.test(src)) ['PageNumber', 'PageSize'].forEach((n) => scalars.add(n));
  const lists = new Set(names(/\b(?:repeatList|objectList)\('([A-Za-z]+)'/g));
  if (/\breadTags\(/.test(src)) lists.add('Tag');
  if (/\breadResourceIds\(/.test(src)) lists.add('ResourceId');
  return { scalars: [...scalars], lists: [...lists] };
}

const PARAMS = new Map([...ACTIONS.keys()].map((a) => [a, paramsOf(a)]));
const existing: string[] = []; // ids of real resources, filled in before the runs

const HUGE = 'x'.repeat(100 * 1024);
const tricky = fc.constantFrom(
  '', ' ', '0', '-1', '+1', '1.5', '1e309', 'NaN', 'Infinity', '9'.repeat(40), '0x10', '00001',
  '[', ']', '[]', '[""]', '["a","b"]', '[1,2]', '[null]', '{"a":1}', 'null', 'true', 'false', '"quoted"',
  '%', '%00', '%zz', '&=&', 'a=b&c=d', '\u0000', 'a\u0000b', '\r\n', '\t', '\u001b[31m', '\u007f', '\ufeff',
  '\uffff', '\ufffe', '\ud800', 'a\udc00b', '\u{1F600}', '中文名字', 'ünïcödé', 'e\u0301', '<x/>', '&amp;',
  "' OR 1=1 --", '../../etc/passwd', 'http://x', 'acs:ram', 'aliyunTag', HUGE, 'd-'.padEnd(65, 'z'),
  REGION, 'cn-shenzhen-3', 'cloud_ssd', 'cloud_efficiency', 'PostPaid', 'disk', '1', '20', '100', 'data',
);
const value: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: tricky },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
  { weight: 2, arbitrary: fc.constant(null).map(() => existing[0] ?? 'd-none') },
  { weight: 1, arbitrary: fc.constant(null).map(() => existing[1] ?? 's-none') },
);
const index = fc.constantFrom('1', '2', '3', '0', '01', '20', '21', '50', '51', '999999', '1000000', 'x', '', '1.5');
const field = fc.constantFrom('Key', 'Value', 'Key', 'Value', 'Other', '', '1');

/** Keys of one list parameter: `Name.N` and `Name.N.Field`, well-formed or not, with values. */
const listEntries = (name: string): fc.Arbitrary<[string, string][]> => fc.array(
  fc.tuple(index, fc.option(field, { nil: undefined }), value)
    .map(([i, f, v]): [string, string] => [f === undefined ? `${name}.${i}` : `${name}.${i}.${f}`, v]),
  { maxLength: 6 },
);

/** One request: an action and a parameter map over its parameters (each present or not), lists and a stray key. */
const request = fc.constantFrom(...PARAMS.keys()).chain((action) => {
  const { scalars, lists } = PARAMS.get(action)!;
  const scalarArb = fc.record(Object.fromEntries(scalars.map((n) => [n, value])), { requiredKeys: [] });
  const listArb = fc.tuple(...lists.map(listEntries), fc.constant([] as [string, string][]));
  const stray = fc.option(fc.tuple(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 20 }), value));
  return fc.tuple(fc.constant(action), scalarArb, listArb, stray).map(([a, s, l, extra]) => {
    const params: Record<string, string> = { ...(s as Record<string, string>) };
    for (const [k, v] of l.flat()) params[k] = v;
    // A stray key must not shadow a common parameter, or the request is just unsigned.
    if (extra && !/^(Action|Format|Version|AccessKeyId|Signature.*|Timestamp)$/.test(extra[0])) params[extra[0]] = extra[1];
    return { action: a, params };
  });
});

describe('fuzz: every action\'s parameters through the signed gateway', { timeout: 120_000 }, () => {
  const clock = new ManualClock('2026-11-28T12:00:00Z');
  let gw: TestGateway;
  let nonce = 0;
  const send = async (action: string, params: Record<string, string>) => {
    const parts = signRequest(action, params, { accessKeyId: KEY.id, secret: KEY.secret, at: clock.now(), nonce: `n${nonce++}` });
    const res = await gw.app.inject({ method: 'POST', url: parts.url, headers: { 'content-type': FORM }, payload: parts.body });
    return { status: res.statusCode, contentType: res.headers['content-type'] as string | undefined, body: res.body };
  };

  before(async () => {
    gw = await buildTestGateway(clock, KEY);
    const disk = JSON.parse((await send('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1',
      InstanceChargeType: 'PostPaid' })).body) as { InstanceIds: string[] };
    existing.push(disk.InstanceIds[0]!);
    await gw.jobs.drain(); // the disk is Creating until its job ran
    const snap = JSON.parse((await send('CreateSnapshot', { EnsRegionId: REGION, DiskId: existing[0]!, SnapshotName: 'fuzz' })).body) as
      { SnapShotId: string[] };
    existing.push(snap.SnapShotId[0]!);
    await gw.jobs.drain();
  });
  after(() => gw?.close());

  it('reads the parameters of every action from its source', () => {
    assert.equal(PARAMS.size, ACTIONS.size);
    const withParams = [...PARAMS].filter(([, p]) => p.scalars.length + p.lists.length > 0).map(([a]) => a);
    // Every action but the two region/type listings reads parameters; the extraction must find them.
    assert.ok(withParams.length >= ACTIONS.size - 2, `only ${withParams.join(', ')}`);
    assert.deepEqual(PARAMS.get('CreateDisk')!.lists, ['Tag']);
    assert.ok(PARAMS.get('CreateDisk')!.scalars.includes('Size'));
  });

  it(`never answers a 5xx or a code outside the catalog (seed ${SEED}, ${RUNS} runs)`, async () => {
    const seen = new Map<string, number>();
    const result = await fc.check(fc.asyncProperty(request, async ({ action, params }) => {
      const code = assertEnvelope(await send(action, params), `${action} ${JSON.stringify(params).slice(0, 500)}`);
      seen.set(code || 'success', (seen.get(code || 'success') ?? 0) + 1);
    }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    if (result.failed) {
      assert.fail(`fuzz failed — rerun with FUZZ_SEED=${SEED} (counterexample path ${result.counterexamplePath}):\n` +
        `${JSON.stringify(result.counterexample)?.slice(0, 2000)}\n${String(result.errorInstance)}`);
    }
    // The runs reach past validation: some succeed, and some fail on something other than parameter checks.
    assert.ok((seen.get('success') ?? 0) > 0, `no success at all: ${JSON.stringify([...seen])}`);
    assert.ok([...seen.keys()].some((c) => !/^(InvalidParameter|Missing)/.test(c) && c !== 'success'),
      JSON.stringify([...seen]));
  });
});
