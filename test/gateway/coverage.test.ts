/** docs/api.md's coverage table marks as implemented exactly the actions of the action table. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { ACTIONS } from '../../src/actions/index.js';

it('docs/api.md lists the implemented actions exactly', () => {
  const doc = readFileSync(join(process.cwd(), 'docs/api.md'), 'utf8');
  const implemented = [...doc.matchAll(/^\| (\w+) \| yes \|/gm)].map((m) => m[1]).sort();
  assert.deepEqual(implemented, [...ACTIONS.keys()].sort());
  for (const name of ACTIONS.keys()) assert.equal(ACTIONS.get(name)!.name, name, 'file and wire name agree');
});
