/**
 * docs/errors.md and spec-codes.test.ts cannot drift: a code of the CreateSnapshot specification is documented
 * with "Fault rule only" (and exactly the rule the test adds) if and only if the test drives it by a fault rule,
 * and every code the test drives through a natural trigger is documented with that trigger.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { FAULT_CODES, faultRule, NATURAL_CASES, SPEC_CODES } from './spec-codes-cases.js';

const FAULT_ONLY = /^Fault rule only: `POST \/admin\/v1\/faults (\{.*?\})`/;

function specTable(): Map<string, string> {
  const doc = readFileSync(join(process.cwd(), 'docs/errors.md'), 'utf8');
  const section = doc.split("## The CreateSnapshot specification's table")[1]?.split(/\n## /)[0] ?? '';
  return new Map([...section.matchAll(/^\| `([^`]+)` \| \d{3} \| .*? \| (.*) \|$/gm)].map((m) => [m[1]!, m[2]!]));
}

it('the test splits the 106 specification codes into natural triggers and fault rules', () => {
  assert.equal(SPEC_CODES.length, 106);
  assert.deepEqual([...Object.keys(NATURAL_CASES), ...FAULT_CODES].sort(), [...SPEC_CODES].sort());
});

it('docs/errors.md says "Fault rule only", with the rule the test adds, exactly for the fault-rule codes', () => {
  const table = specTable();
  assert.deepEqual([...table.keys()].sort(), [...SPEC_CODES].sort());
  for (const code of FAULT_CODES) {
    const m = FAULT_ONLY.exec(table.get(code)!);
    assert.ok(m, `${code}: documented with a natural trigger, but the test only has a fault rule for it`);
    assert.deepEqual(JSON.parse(m[1]!), faultRule(code), `${code}: the documented rule`);
  }
  for (const code of Object.keys(NATURAL_CASES)) {
    const when = table.get(code)!;
    assert.ok(!/fault rule only/i.test(when), `${code}: documented as fault rule only, but the test drives it naturally`);
    assert.ok(when.trim().length > 20, `${code}: its natural trigger is described`);
  }
});
