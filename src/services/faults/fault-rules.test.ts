/** Fault rules: validation against the real catalog, matching, probability with a seeded source, counts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededIds } from '../../kernel/ids.js';
import { type FaultEffect, type FaultRequest, type FaultRuleInput, FaultRuleError, FaultRules, MAX_RULES, type RandomSource } from './fault-rules.js';

/** [0, 1) from the kernel's seeded generator: the same sequence on every run. */
function seeded(seed: number): RandomSource {
  const ids = seededIds(seed);
  return () => ids.randomBytes(4).readUInt32BE(0) / 2 ** 32;
}
const never: RandomSource = () => {
  throw new Error('the random source must not be drawn');
};

const req = (over: Partial<FaultRequest> = {}): FaultRequest => ({
  action: 'CreateSnapshot', regionId: 'cn-hangzhou-telecom', accountId: '1000000000000001', diskId: 'd-1', ...over,
});
const errorOf = (e: FaultEffect | undefined): { code: string; status: number; message: string } => {
  assert.ok(e && e.kind === 'error', `expected an error effect, got ${JSON.stringify(e)}`);
  return { code: e.error.code, status: e.error.status, message: e.error.message };
};
const rejects = (rules: FaultRules, input: unknown, field: string, reason: RegExp): void => {
  assert.throws(() => rules.add(input as FaultRuleInput), (err: unknown) => {
    assert.ok(err instanceof FaultRuleError, String(err));
    assert.equal(err.field, field);
    assert.match(err.message, reason);
    return true;
  });
};

describe('FaultRules: errors from the catalog', () => {
  it('answers a catalog code with its status and message', () => {
    const rules = new FaultRules(never);
    rules.add({ id: 'r1', effect: { kind: 'error', code: 'OrderArrearage' } });
    assert.deepEqual(errorOf(rules.match(req())[0]), { code: 'OrderArrearage', status: 400, message: 'User Arrears.' });
  });

  it('fills a template code: InvalidParameter.Foo', () => {
    const rules = new FaultRules(never);
    rules.add({ id: 'r1', effect: { kind: 'error', code: 'InvalidParameter.SnapshotName' } });
    assert.deepEqual(errorOf(rules.match(req())[0]), {
      code: 'InvalidParameter.SnapshotName', status: 400, message: 'The specified field SnapshotName invalid. Please check it again.',
    });
  });

  it('fills a template with the part before: MissingDiskId', () => {
    const rules = new FaultRules(never);
    rules.add({ id: 'r1', effect: { kind: 'error', code: 'MissingDiskId' } });
    assert.deepEqual(errorOf(rules.match(req())[0]), { code: 'MissingDiskId', status: 400, message: 'DiskId is mandatory for this action.' });
  });

  it('prefers an exact code to a template it also fills', () => {
    const rules = new FaultRules(never);
    rules.add({ id: 'r1', effect: { kind: 'error', code: 'InvalidParameter.Duplicate', args: ['Tag.1.Key'] } });
    assert.deepEqual(errorOf(rules.match(req())[0]), {
      code: 'InvalidParameter.Duplicate', status: 400, message: 'The parameter Tag.1.Key is specified more than once.',
    });
  });

  it("fills the message's resource with the rule's args, else the request's snapshot or disk id", () => {
    const rules = new FaultRules(never);
    rules.add({ id: 'with-args', match: { action: 'DeleteDisk' }, effect: { kind: 'error', code: 'InvalidDiskId.NotFound', args: ['d-given'] } });
    rules.add({ id: 'from-disk', match: { action: 'ResetDisk' }, effect: { kind: 'error', code: 'InvalidDiskId.NotFound' } });
    rules.add({ id: 'from-snap', match: { action: 'DeleteSnapshot' }, effect: { kind: 'error', code: 'ERROR_SNAPSHOT_NOT_FOUND' } });
    rules.add({ id: 'none', match: { action: 'DescribeDisks' }, effect: { kind: 'error', code: 'IncorrectDiskStatus' } });
    assert.deepEqual(errorOf(rules.match(req({ action: 'DeleteDisk' }))[0]), { code: 'InvalidDiskId.NotFound', status: 404, message: 'The specified disk d-given does not exist.' });
    assert.equal(errorOf(rules.match(req({ action: 'ResetDisk', diskId: 'd-7' }))[0]).message, 'The specified disk d-7 does not exist.');
    assert.equal(errorOf(rules.match(req({ action: 'DeleteSnapshot', diskId: undefined, snapshotId: 's-9' }))[0]).message, 'The specified snapshot s-9 does not exist.');
    assert.equal(errorOf(rules.match(req({ action: 'DescribeDisks', diskId: undefined }))[0]).message, 'The current status of the disk  does not support this operation.');
  });

  it('answers the gateway codes too (Throttling.User)', () => {
    const rules = new FaultRules(never);
    rules.add({ id: 't', effect: { kind: 'error', code: 'Throttling.User' } });
    assert.deepEqual(errorOf(rules.match(req())[0]), { code: 'Throttling.User', status: 400, message: 'Request was denied due to user flow control.' });
  });
});

describe('FaultRules: matching', () => {
  const cases: [string, FaultRuleInput['match'], Partial<FaultRequest>, boolean][] = [
    ['no match block matches anything', undefined, {}, true],
    ['empty match block matches anything', {}, { action: 'DescribeDisks' }, true],
    ['exact action', { action: 'CreateSnapshot' }, {}, true],
    ['other action', { action: 'CreateSnapshot' }, { action: 'CreateDisk' }, false],
    ['action is case-sensitive', { action: 'createsnapshot' }, {}, false],
    ['action prefix wildcard', { action: 'Create*' }, { action: 'CreateDisk' }, true],
    ['action suffix wildcard', { action: '*Snapshot' }, { action: 'DeleteSnapshot' }, true],
    ['action wildcard not matching', { action: '*Snapshot' }, { action: 'DeleteDisk' }, false],
    ['region matches', { regionId: 'cn-hangzhou-telecom' }, {}, true],
    ['region differs', { regionId: 'cn-beijing-unicom' }, {}, false],
    ['request without a region does not match a region rule', { regionId: 'cn-hangzhou-telecom' }, { regionId: undefined }, false],
    ['account matches', { accountId: '1000000000000001' }, {}, true],
    ['account differs', { accountId: '1000000000000002' }, {}, false],
    ['disk matches', { diskId: 'd-1' }, {}, true],
    ['disk differs', { diskId: 'd-2' }, {}, false],
    ['snapshot matches', { snapshotId: 's-1' }, { snapshotId: 's-1' }, true],
    ['snapshot absent from the request', { snapshotId: 's-1' }, {}, false],
    ['all fields must match', { action: 'Create*', regionId: 'cn-hangzhou-telecom', accountId: '1000000000000001', diskId: 'd-2' }, {}, false],
  ];
  for (const [name, match, over, fires] of cases) {
    it(name, () => {
      const rules = new FaultRules(never);
      rules.add({ id: 'r', ...(match === undefined ? {} : { match }), effect: { kind: 'latency', ms: 50 } });
      assert.deepEqual(rules.match(req(over)), fires ? [{ kind: 'latency', ruleId: 'r', ms: 50 }] : []);
    });
  }

  it('returns every firing rule in the order added', () => {
    const rules = new FaultRules(never);
    rules.add({ id: 'slow', effect: { kind: 'latency', ms: 2000 } });
    rules.add({ id: 'other', match: { action: 'DeleteDisk' }, effect: { kind: 'latency', ms: 1 } });
    rules.add({ id: 'fail', effect: { kind: 'error', code: 'OrderFailed' } });
    assert.deepEqual(rules.match(req()).map((e) => e.ruleId), ['slow', 'fail']);
  });
});

describe('FaultRules: probability and count', () => {
  it('draws the probability from the injected source, the same on every run', () => {
    const run = (): boolean[] => {
      const rules = new FaultRules(seeded(42));
      rules.add({ id: 'p', probability: 0.3, effect: { kind: 'latency', ms: 10 } });
      return Array.from({ length: 2000 }, () => rules.match(req()).length === 1);
    };
    const first = run();
    assert.deepEqual(run(), first);
    const rate = first.filter(Boolean).length / first.length;
    assert.ok(rate > 0.25 && rate < 0.35, `rate ${rate}`);
  });

  it('fires when the draw is below the probability, not at or above it', () => {
    let next = 0.5;
    const rules = new FaultRules(() => next);
    rules.add({ id: 'p', probability: 0.5, effect: { kind: 'latency', ms: 1 } });
    assert.equal(rules.match(req()).length, 0);
    next = 0.4999;
    assert.equal(rules.match(req()).length, 1);
  });

  it('does not draw for probability 1 or 0, nor for rules that do not match', () => {
    const rules = new FaultRules(never);
    rules.add({ id: 'always', probability: 1, effect: { kind: 'latency', ms: 1 } });
    rules.add({ id: 'off', probability: 0, effect: { kind: 'latency', ms: 1 } });
    rules.add({ id: 'elsewhere', probability: 0.5, match: { action: 'DeleteDisk' }, effect: { kind: 'latency', ms: 1 } });
    assert.deepEqual(rules.match(req()).map((e) => e.ruleId), ['always']);
  });

  it('a count-2 rule fires twice, then expires', () => {
    const rules = new FaultRules(never);
    rules.add({ id: 'c', count: 2, effect: { kind: 'error', code: 'OrderFailed' } });
    assert.equal(rules.match(req()).length, 1);
    assert.deepEqual(rules.list().map((r) => [r.id, r.remaining, r.fired]), [['c', 1, 1]]);
    assert.equal(rules.match(req()).length, 1);
    assert.equal(rules.match(req()).length, 0);
    assert.deepEqual(rules.list(), []);
  });

  it('a missed draw does not use up the count', () => {
    const draws = [0.9, 0.9, 0.1];
    const rules = new FaultRules(() => draws.shift()!);
    rules.add({ id: 'c', count: 1, probability: 0.5, effect: { kind: 'latency', ms: 1 } });
    assert.equal(rules.match(req()).length, 0);
    assert.equal(rules.match(req()).length, 0);
    assert.equal(rules.list()[0]?.remaining, 1);
    assert.equal(rules.match(req()).length, 1);
    assert.deepEqual(rules.list(), []);
  });

  it('of many requests racing for a count-1 rule exactly one gets the fault', async () => {
    const rules = new FaultRules(never);
    rules.add({ id: 'once', count: 1, effect: { kind: 'error', code: 'OrderFailed' } });
    const results = await Promise.all(Array.from({ length: 50 }, async () => {
      await Promise.resolve();
      return rules.match(req()).length;
    }));
    assert.equal(results.reduce((a, b) => a + b, 0), 1);
  });
});

describe('FaultRules: managing rules', () => {
  it('lists copies, removes by id, clears', () => {
    const rules = new FaultRules(never);
    const added = rules.add({ id: 'a', match: { diskId: 'd-1' }, probability: 0.5, count: 3, effect: { kind: 'error', code: 'OrderFailed', args: ['x'] } });
    assert.deepEqual(added, { id: 'a', match: { diskId: 'd-1' }, probability: 0.5, count: 3, remaining: 3, fired: 0, effect: { kind: 'error', code: 'OrderFailed', args: ['x'] } });
    rules.add({ id: 'b', effect: { kind: 'latency', ms: 0 } });
    const listed = rules.list();
    listed[0]!.match!.diskId = 'd-tampered';
    assert.equal(rules.list()[0]?.match?.diskId, 'd-1');
    assert.equal(rules.remove('a'), true);
    assert.equal(rules.remove('a'), false);
    assert.deepEqual(rules.list().map((r) => r.id), ['b']);
    rules.clear();
    assert.deepEqual(rules.list(), []);
    assert.deepEqual(rules.match(req()), []);
  });

  it(`holds at most ${MAX_RULES} rules`, () => {
    const rules = new FaultRules(never);
    for (let i = 0; i < MAX_RULES; i++) rules.add({ id: `r${i}`, effect: { kind: 'latency', ms: 1 } });
    rejects(rules, { id: 'one-more', effect: { kind: 'latency', ms: 1 } }, 'id', /at most/);
  });

  const invalid: [string, unknown, string, RegExp][] = [
    ['not an object', 'rule', 'rule', /object/],
    ['unknown field', { id: 'a', effect: { kind: 'latency', ms: 1 }, when: 'now' }, 'when', /unknown field/],
    ['missing id', { effect: { kind: 'latency', ms: 1 } }, 'id', /1-64/],
    ['id with spaces', { id: 'a b', effect: { kind: 'latency', ms: 1 } }, 'id', /1-64/],
    ['unknown code', { id: 'a', effect: { kind: 'error', code: 'NoSuchCode' } }, 'effect.code', /not a code in the error catalog/],
    ['template placeholder as a code', { id: 'a', effect: { kind: 'error', code: 'InvalidParameter.%s' } }, 'effect.code', /error code/],
    ['template with nothing to fill', { id: 'a', effect: { kind: 'error', code: 'InvalidParameter.' } }, 'effect.code', /not a code/],
    ['args not strings', { id: 'a', effect: { kind: 'error', code: 'OrderFailed', args: [1] } }, 'effect.args', /list of strings/],
    ['unknown effect kind', { id: 'a', effect: { kind: 'crash' } }, 'effect.kind', /"error" or "latency"/],
    ['no effect', { id: 'a' }, 'effect', /object/],
    ['negative latency', { id: 'a', effect: { kind: 'latency', ms: -1 } }, 'effect.ms', /integer/],
    ['fractional latency', { id: 'a', effect: { kind: 'latency', ms: 1.5 } }, 'effect.ms', /integer/],
    ['latency too long', { id: 'a', effect: { kind: 'latency', ms: 300_001 } }, 'effect.ms', /integer/],
    ['probability above 1', { id: 'a', probability: 1.1, effect: { kind: 'latency', ms: 1 } }, 'probability', /0 to 1/],
    ['probability NaN', { id: 'a', probability: Number.NaN, effect: { kind: 'latency', ms: 1 } }, 'probability', /0 to 1/],
    ['count zero', { id: 'a', count: 0, effect: { kind: 'latency', ms: 1 } }, 'count', /positive integer/],
    ['count fractional', { id: 'a', count: 1.5, effect: { kind: 'latency', ms: 1 } }, 'count', /positive integer/],
    ['match not an object', { id: 'a', match: 'x', effect: { kind: 'latency', ms: 1 } }, 'match', /object/],
    ['unknown match field', { id: 'a', match: { instanceId: 'i-1' }, effect: { kind: 'latency', ms: 1 } }, 'match.instanceId', /unknown field/],
    ['empty match value', { id: 'a', match: { diskId: '' }, effect: { kind: 'latency', ms: 1 } }, 'match.diskId', /non-empty/],
    ['action with a regex', { id: 'a', match: { action: 'Create.+' }, effect: { kind: 'latency', ms: 1 } }, 'match.action', /action name/],
  ];
  for (const [name, input, field, reason] of invalid) {
    it(`refuses: ${name}`, () => {
      const rules = new FaultRules(never);
      rejects(rules, input, field, reason);
      assert.deepEqual(rules.list(), []);
    });
  }

  it('refuses a duplicate id and keeps the first rule', () => {
    const rules = new FaultRules(never);
    rules.add({ id: 'a', effect: { kind: 'latency', ms: 1 } });
    rejects(rules, { id: 'a', effect: { kind: 'latency', ms: 2 } }, 'id', /already exists/);
    assert.deepEqual(rules.match(req()), [{ kind: 'latency', ruleId: 'a', ms: 1 }]);
  });
});
