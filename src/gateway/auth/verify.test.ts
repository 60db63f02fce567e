import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { CREDENTIALS, VECTORS, editParam, rawWith, toRaw, vector, type Vector } from './fixture-vectors.js';
import type { RawHttpRequest } from './raw-request.js';
import { parseRpcRequest } from './rpc-request.js';
import { signAcs4 } from './signature-acs4.js';
import { verifySignature } from './verify.js';

const SECRET = CREDENTIALS.accessKeySecret;
const verifies = (raw: RawHttpRequest, secret = SECRET) => verifySignature(parseRpcRequest(raw), secret);
const isHeaderSigned = (v: Vector) => v.headers.some(([n]) => n.toLowerCase() === 'authorization');

/** Replaces the first character of a parameter's raw wire value with another one. */
function flipValue(raw: RawHttpRequest, key: string): void {
  const re = new RegExp(`([?&]|^)${key}=([^&]*)`);
  const flip = (text: string) =>
    text.replace(re, (_m, sep: string, value: string) => `${sep}${key}=${value.startsWith('x') ? 'y' : 'x'}${value.slice(1)}`);
  if (re.test(raw.url.slice(raw.url.indexOf('?')))) raw.url = flip(raw.url);
  else raw.body = Buffer.from(flip(raw.body.toString('utf8')), 'utf8');
}

function flipLastChar(value: string): string {
  return value.slice(0, -1) + (value.endsWith('0') ? '1' : '0');
}

describe('verifySignature: the 33 captured requests', () => {
  for (const v of VECTORS) {
    it(`${v.variant}: valid with the fixture secret, invalid otherwise`, () => {
      assert.equal(verifies(toRaw(v)), true);
      assert.equal(verifies(toRaw(v), flipLastChar(SECRET)), false);
      assert.equal(verifies(toRaw(v), ''), false);
      assert.equal(verifies(toRaw(v), `${SECRET}&`), false);
    });

    for (const key of ['SnapshotName', 'DiskId']) {
      it(`${v.variant}: one changed byte in ${key} → false`, () => {
        assert.equal(verifies(rawWith(v.variant, (r) => flipValue(r, key))), false);
      });
    }

    it(`${v.variant}: a changed method → false`, () => {
      assert.equal(verifies(rawWith(v.variant, (r) => (r.method = r.method === 'GET' ? 'POST' : 'GET'))), false);
    });

    it(`${v.variant}: an added business parameter → false`, () => {
      assert.equal(verifies(rawWith(v.variant, (r) => (r.url += r.url.includes('?') ? '&Extra=1' : '?Extra=1'))), false);
    });

    if (isHeaderSigned(v)) {
      const signed = /SignedHeaders=([^,]+)/.exec(toRaw(v).headers['authorization'] as string)?.[1]?.split(';') ?? [];
      for (const name of signed) {
        it(`${v.variant}: a changed signed header ${name} → false`, () => {
          // x-acs-date must stay well-formed and on the same day to reach the verifier.
          const edit = name === 'x-acs-date' ? (s: string) => s.replace(/:(\d)\dZ$/, ':$15Z') : flipLastChar;
          assert.equal(verifies(rawWith(v.variant, (r) => (r.headers[name] = edit(r.headers[name] as string)))), false);
        });
      }
    }
  }
});

describe('verifySignature: details', () => {
  it('ACS3 body: a changed body fails even when x-acs-content-sha256 is recomputed', () => {
    for (const variant of ['oc-v3-post-body', 'core-v3-post-body', 'oc-v3-post-body-tricky']) {
      const raw = rawWith(variant, (r) => {
        r.body = Buffer.from(editParam(r.body.toString('utf8'), 'DiskId', 'd-other'));
        r.headers['x-acs-content-sha256'] = createHash('sha256').update(r.body).digest('hex');
      });
      assert.equal(verifies(raw), false);
      const req = parseRpcRequest(rawWith(variant, (r) => (r.body = Buffer.concat([r.body, Buffer.from('&a=b')]))));
      assert.ok(req.signing.scheme === 'ACS3-HMAC-SHA256');
      assert.notEqual(req.signing.payloadHash, req.signing.declaredPayloadHash);
      assert.equal(req.params.a, 'b');
      assert.equal(verifySignature(req, SECRET), false);
    }
  });

  it('V1: parameter order and wire encoding do not matter (decode, then re-encode)', () => {
    const reordered = rawWith('pop-get', (r) => {
      const [path, query] = r.url.split('?') as [string, string];
      r.url = `${path}?${query.split('&').reverse().join('&')}`;
    });
    assert.equal(verifies(reordered), true);
    assert.equal(verifies(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'Description', 'test+snapshot')))), true);
    assert.equal(verifies(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'Description', 'test%20snaps%68ot')))), true);
  });

  it('V1: the common parameters may be split between query and body', () => {
    const raw = rawWith('pop-post', (r) => {
      const body = r.body.toString('utf8');
      const sig = /Signature=[^&]+$/.exec(body)?.[0] ?? '';
      r.body = Buffer.from(body.slice(0, -sig.length - 1));
      r.url = `/?${sig}`;
    });
    assert.equal(verifies(raw), true);
  });

  it('ACS3: an upper-case hex signature is accepted', () => {
    const raw = rawWith('core-v3-post-query', (r) => {
      const auth = r.headers['authorization'] as string;
      r.headers['authorization'] = auth.replace(/Signature=([0-9a-f]+)$/, (_m, hex: string) => `Signature=${hex.toUpperCase()}`);
    });
    assert.equal(verifies(raw), true);
  });

  it('ACS4: the captures match the Node flavour; a strict-flavour signature also verifies', () => {
    for (const variant of ['oc-v4-post-query', 'oc-v4-post-query-empty', 'oc-v4-post-query-tricky']) {
      const req = parseRpcRequest(toRaw(vector(variant)));
      assert.ok(req.signing.scheme === 'ACS4-HMAC-SHA256');
      assert.equal(signAcs4(req.signing, SECRET, 'node'), req.signing.signature);
      assert.notEqual(signAcs4(req.signing, SECRET, 'strict'), req.signing.signature);
      const strict = signAcs4(req.signing, SECRET, 'strict');
      const raw = rawWith(variant, (r) => {
        r.headers['authorization'] = (r.headers['authorization'] as string).replace(/Signature=[0-9a-f]+$/, `Signature=${strict}`);
      });
      assert.equal(verifies(raw), true);
      assert.equal(verifies(raw, flipLastChar(SECRET)), false);
    }
  });
});
