/**
 * Secrets, tokens and signatures are compared in constant time. A review turned into a check over the source:
 * the comparisons go through `crypto.timingSafeEqual` (directly or through `safeEqual`), and no `===`/`!==`
 * on the request path compares a value named like a signature, secret, token or digest with anything but a
 * constant (undefined, null, '', a number).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

const root = process.cwd();
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

it('safeEqual is timingSafeEqual, and every signature scheme is verified with it', () => {
  const util = read('src/gateway/auth/crypto-util.ts');
  assert.match(util, /export function safeEqual[\s\S]*return timingSafeEqual\(a, b\);/);
  const verify = read('src/gateway/auth/verify.ts');
  const uses = [...verify.matchAll(/safeEqual\(sign(V1|Acs3|Acs4)\(/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(uses)].sort(), ['Acs3', 'Acs4', 'V1']);
  assert.match(verify, /safeEqual\(input\.payloadHash/);
});

it('the admin token and STS tokens are compared with timingSafeEqual over digests', () => {
  assert.match(read('src/gateway/admin.ts'), /timingSafeEqual\(digest\(/);
  assert.match(read('src/gateway/auth/security-token.ts'), /timingSafeEqual\(given, wanted\)/);
});

it('no plain comparison of a secret, token, signature or digest on the request path', () => {
  const name = /(signature|secret|token|digest|hash)/i;
  const constant = /^(undefined|null|'[^']*'|"[^"]*"|\d+|true|false)$/; // a literal is public
  const hits: string[] = [];
  const files = [...sources('src/gateway'), ...sources('src/services/ram')];
  assert.ok(files.length > 20, `${files.length} files`);
  for (const file of files) {
    read(file).split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/([\w.[\]'"]+)\s*[!=]==?\s*([\w.[\]'"]+)/g)) {
        const [left, right] = [m[1]!, m[2]!];
        if (constant.test(left) || constant.test(right)) continue;
        if (/typeof|\.length$|\.size$|\.status$|\.code$|\.scheme$|\.type$/.test(`${left} ${right}`)) continue;
        if (name.test(left) || name.test(right)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(hits, []);
});
