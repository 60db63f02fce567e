import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePairs, decodeUtf8, pct } from './encoding.js';
import { assertApiError, TRICKY_NAME } from './fixture-vectors.js';

const ENCODING = ['InvalidParameter.Encoding', 400, 'The request contains a parameter that is not valid UTF-8 percent-encoding.'] as const;

describe('pct', () => {
  it('keeps only unreserved characters literal, upper-case hex for UTF-8 bytes', () => {
    assert.equal(pct(TRICKY_NAME), 'snap%20name%2A~%21%27%28%29%2B%2F%26%3D%3A%E4%B8%AD%E6%96%87');
    assert.equal(pct('AZaz09-_.~'), 'AZaz09-_.~');
    assert.equal(pct('a b+c%20d'), 'a%20b%2Bc%2520d');
    assert.equal(pct('é\u0000😀'), '%C3%A9%00%F0%9F%98%80');
    assert.equal(pct(''), '');
  });
});

describe('decodePairs', () => {
  it('decodes + as space, then percent-escapes as UTF-8, in wire order', () => {
    assert.deepStrictEqual(decodePairs('b=a+b%2Bc&a=%E4%B8%AD*~!\'()'), [
      ['b', 'a b+c'],
      ['a', "中*~!'()"],
    ]);
  });

  it('treats a piece without = as an empty value and skips empty pieces', () => {
    assert.deepStrictEqual(decodePairs('&a&&b=&c=1=2&'), [
      ['a', ''],
      ['b', ''],
      ['c', '1=2'],
    ]);
    assert.deepStrictEqual(decodePairs(''), []);
  });

  it('keeps duplicates (the parser rejects them)', () => {
    assert.deepStrictEqual(decodePairs('a=1&a=2'), [
      ['a', '1'],
      ['a', '2'],
    ]);
  });

  for (const bad of ['a=%zz', 'a=%4', 'a=%', '%E4%B8=x', 'a=%C0%AF', 'a=%ED%A0%80', 'a=%FF', 'a=%E4%B8%41']) {
    it(`rejects ${bad} with InvalidParameter.Encoding`, () => {
      assertApiError(() => decodePairs(bad), ...ENCODING);
    });
  }
});

describe('decodeUtf8', () => {
  it('decodes valid UTF-8 and rejects invalid bytes fatally', () => {
    assert.equal(decodeUtf8(Buffer.from('a=中', 'utf8')), 'a=中');
    assertApiError(() => decodeUtf8(Buffer.from([0x61, 0x3d, 0xff])), ...ENCODING);
    assertApiError(() => decodeUtf8(Buffer.from([0xe4, 0xb8])), ...ENCODING);
  });
});
