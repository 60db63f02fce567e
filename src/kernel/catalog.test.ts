/** The catalog and docs/errors.md must list the same codes with the same status and message (fastify's habit). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { allErrorSpecs, Spec } from './catalog.js';
import { apiError } from './errors.js';

it('docs/errors.md documents exactly the catalog', () => {
  const doc = readFileSync(join(process.cwd(), 'docs/errors.md'), 'utf8');
  const rows = new Map<string, { status: number; message: string }>();
  for (const line of doc.split('\n')) {
    const m = /^\| `([^`]+)` \| (\d{3}) \| (.*?) \| .* \|$/.exec(line);
    if (m) rows.set(m[1]!, { status: Number(m[2]), message: m[3]! });
  }
  const catalog = allErrorSpecs();
  assert.deepEqual([...rows.keys()].sort(), catalog.map((e) => e.code).sort());
  for (const e of catalog) assert.deepEqual(rows.get(e.code), { status: e.status, message: e.message }, e.code);
});

it('holds all 106 codes of the CreateSnapshot specification', () => {
  assert.equal(Object.keys(Spec).length, 106);
  assert.equal(Spec.SystemConcurrentOperate?.message, 'Concurrent operation causes failure.');
});

it('fills templates in code and message', () => {
  const specs = allErrorSpecs();
  const invalid = specs.find((e) => e.code === 'InvalidParameter.%s')!;
  const err = apiError(invalid, 'SnapshotName');
  assert.equal(err.code, 'InvalidParameter.SnapshotName');
  assert.equal(err.message, 'The specified field SnapshotName invalid. Please check it again.');
  assert.equal(err.status, 400);
  const missing = apiError(specs.find((e) => e.code === 'Missing%s')!, 'DiskId');
  assert.equal(missing.code, 'MissingDiskId');
  assert.equal(missing.message, 'DiskId is mandatory for this action.');
});

/** The rows of docs/errors.md's section on the CreateSnapshot specification: code and "When". */
function specTableRows(doc: string): { code: string; when: string }[] {
  const section = doc.split("## The CreateSnapshot specification's table")[1]?.split(/\n## /)[0] ?? '';
  return [...section.matchAll(/^\| `([^`]+)` \| \d{3} \| .*? \| (.*) \|$/gm)].map((m) => ({ code: m[1]!, when: m[2]! }));
}

it('says when each of the 106 codes of the CreateSnapshot specification is answered', () => {
  const rows = specTableRows(readFileSync(join(process.cwd(), 'docs/errors.md'), 'utf8'));
  assert.deepEqual(rows.map((r) => r.code).sort(), Object.keys(Spec).sort(), 'one row per specification code');
  for (const { code, when } of rows) assert.notEqual(when.trim(), '', `${code}: the "When" column is empty`);
});
