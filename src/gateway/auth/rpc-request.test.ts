import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CREDENTIALS, VECTORS, assertApiError, editParam, editParamAnywhere, expectedParams, expectedScheme, expectedVersion, rawWith, toRaw,
} from './fixture-vectors.js';
import { parseRpcRequest } from './rpc-request.js';

const NONCE = /(?:^|[?&])SignatureNonce=([^&]+)/;

function wireNonce(v: (typeof VECTORS)[number]): string {
  const header = v.headers.find(([n]) => n.toLowerCase() === 'x-acs-signature-nonce');
  return header?.[1] ?? NONCE.exec(v.url)?.[1] ?? NONCE.exec(v.body)?.[1] ?? 'none';
}

describe('parseRpcRequest on the 33 captured requests', () => {
  it('has 33 vectors', () => assert.equal(VECTORS.length, 33));

  for (const v of VECTORS) {
    it(v.variant, () => {
      const req = parseRpcRequest(toRaw(v));
      assert.equal(req.scheme, expectedScheme(v.variant));
      assert.equal(req.signing.scheme, req.scheme);
      assert.equal(req.action, 'CreateSnapshot');
      assert.equal(req.version, expectedVersion(v.variant));
      assert.equal(req.accessKeyId, CREDENTIALS.accessKeyId);
      assert.equal(req.format, 'JSON');
      assert.equal(req.nonce, wireNonce(v));
      assert.ok([Date.parse('2026-11-28T15:36:39Z'), Date.parse('2026-11-28T15:36:40Z')].includes(req.timestampMs));
      assert.equal(req.securityToken, v.variant.endsWith('-sts') ? CREDENTIALS.securityToken : undefined);
      assert.deepStrictEqual({ ...req.params }, expectedParams(v.variant));
      assert.equal(Object.getPrototypeOf(req.params), null);
    });
  }
});

describe('parseRpcRequest: parameters', () => {
  it('reads Format case-insensitively and allows XML', () => {
    assert.equal(parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'Format', 'xml')))).format, 'XML');
    assert.equal(parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'Format', null)))).format, 'JSON');
    assertApiError(
      () => parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'Format', 'YAML')))),
      'InvalidParameter.Format', 400, 'Specified parameter Format is not valid.',
    );
  });

  it('keeps RegionId and unknown keys as business parameters, drops common ones', () => {
    const req = parseRpcRequest(rawWith('pop-get', (r) => (r.url += '&RegionId=cn-hangzhou&__proto__=x')));
    assert.equal(req.params.RegionId, 'cn-hangzhou');
    assert.equal(req.params['__proto__'], 'x');
    assert.equal(req.params.Action, undefined);
    assert.equal(req.params.Signature, undefined);
  });

  it('ignores the body unless the content type is form-urlencoded', () => {
    assertApiError(
      () => parseRpcRequest(rawWith('pop-post', (r) => (r.headers['content-type'] = 'application/json'))),
      'MissingSignature', 400, 'Signature is mandatory for this action.',
    );
    const req = parseRpcRequest(rawWith('pop-post', (r) => (r.headers['content-type'] = 'Application/X-WWW-Form-Urlencoded; charset=UTF-8')));
    assert.equal(req.params.DiskId, 'd-5xyzfakediskid0001');
  });

  const dup = ['InvalidParameter.Duplicate', 400, 'The parameter DiskId is specified more than once.'] as const;
  it('rejects a key repeated in the query', () => {
    assertApiError(() => parseRpcRequest(rawWith('pop-get', (r) => (r.url += '&DiskId=d-2'))), ...dup);
  });
  it('rejects a key repeated in the body', () => {
    assertApiError(() => parseRpcRequest(rawWith('pop-post', (r) => (r.body = Buffer.concat([r.body, Buffer.from('&DiskId=x')])))), ...dup);
  });
  it('rejects a key in both query and body', () => {
    assertApiError(() => parseRpcRequest(rawWith('oc-v2-post-body', (r) => (r.url += '&DiskId=x'))), ...dup);
    assertApiError(() => parseRpcRequest(rawWith('oc-v3-post-body', (r) => (r.url += '?DiskId=x'))), ...dup);
  });

  const enc = ['InvalidParameter.Encoding', 400, 'The request contains a parameter that is not valid UTF-8 percent-encoding.'] as const;
  it('rejects malformed percent-encoding and invalid UTF-8 in query and body', () => {
    assertApiError(() => parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'SnapshotName', 'a%2')))), ...enc);
    assertApiError(() => parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'SnapshotName', '%C3%28')))), ...enc);
    assertApiError(() => parseRpcRequest(rawWith('oc-v3-post-body', (r) => (r.body = Buffer.from('DiskId=%GG')))), ...enc);
    assertApiError(() => parseRpcRequest(rawWith('oc-v3-post-body', (r) => (r.body = Buffer.from([0x44, 0x3d, 0xc3])))), ...enc);
  });
});

const missing = (name: string) => [`Missing${name}`, 400, `${name} is mandatory for this action.`] as const;

describe('parseRpcRequest: V1 errors', () => {
  for (const name of ['Action', 'Version', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp']) {
    it(`missing ${name} → Missing${name}`, () => {
      assertApiError(() => parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, name, null)))), ...missing(name));
    });
    it(`empty ${name} → Missing${name}`, () => {
      assertApiError(() => parseRpcRequest(rawWith('pop-post', (r) => editParamAnywhere(r, name, ''))), ...missing(name));
    });
  }

  it('no Authorization and no Signature → MissingSignature', () => {
    assertApiError(() => parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'Signature', null)))), ...missing('Signature'));
    assertApiError(() => parseRpcRequest({ method: 'GET', url: '/', headers: {}, body: Buffer.alloc(0) }), ...missing('Signature'));
  });

  it('empty Signature → MissingSignature', () => {
    assertApiError(() => parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'Signature', '')))), ...missing('Signature'));
  });

  it('unsupported SignatureMethod / SignatureVersion', () => {
    assertApiError(
      () => parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'SignatureMethod', 'HMAC-SHA256')))),
      'InvalidSignatureMethod', 400, 'Specified signature method is not supported.',
    );
    assertApiError(
      () => parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'SignatureVersion', '2.0')))),
      'InvalidSignatureVersion', 400, 'Specified signature version is not supported.',
    );
  });

  const badTime = ['InvalidTimeStamp.Format', 400, 'Specified time stamp or date value is not well formatted.'] as const;
  const badTimestamps = [
    '2026-11-28T15%3A36%3A39', '2026-11-28%2015%3A36%3A39Z', '2026-11-28T15%3A36%3A39%2B08%3A00',
    '2026-02-30T00%3A00%3A00Z', '2026-11-28T24%3A00%3A00Z', '1764344199', '2026-11-28T15%3A36%3A39.1234Z',
  ];
  for (const t of badTimestamps) {
    it(`Timestamp ${decodeURIComponent(t)} → InvalidTimeStamp.Format`, () => {
      assertApiError(() => parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'Timestamp', t)))), ...badTime);
    });
  }

  it('accepts a Timestamp with milliseconds', () => {
    const req = parseRpcRequest(rawWith('pop-get', (r) => (r.url = editParam(r.url, 'Timestamp', '2026-11-28T15%3A36%3A40.25Z'))));
    assert.equal(req.timestampMs, Date.parse('2026-11-28T15:36:40.250Z'));
  });
});

describe('parseRpcRequest: ACS3 / ACS4 errors', () => {
  const incomplete = ['IncompleteSignature', 400, 'The request signature does not conform to Aliyun standards.'] as const;
  const v3 = 'oc-v3-post-query';
  const auth = (r: { headers: Record<string, unknown> }) => r.headers['authorization'] as string;

  const mandatory = [
    ['x-acs-action', 'Action'], ['x-acs-version', 'Version'],
    ['x-acs-date', 'Timestamp'], ['x-acs-signature-nonce', 'SignatureNonce'],
  ] as const;
  for (const [header, param] of mandatory) {
    it(`missing ${header} → Missing${param}`, () => {
      assertApiError(() => parseRpcRequest(rawWith(v3, (r) => delete r.headers[header])), ...missing(param));
    });
  }

  const malformed: [string, (a: string) => string][] = [
    ['algorithm only', () => 'ACS3-HMAC-SHA256'],
    ['no Signature part', (a) => a.replace(/,Signature=.*/, '')],
    ['no Credential part', (a) => a.replace(/Credential=[^,]*,/, '')],
    ['empty Credential', (a) => a.replace(/Credential=[^,]*/, 'Credential=')],
    ['extra part', (a) => `${a},Foo=bar`],
    ['repeated part', (a) => `${a},Signature=${'0'.repeat(64)}`],
    ['short signature', (a) => a.slice(0, -2)],
    ['non-hex signature', (a) => a.slice(0, -1) + 'g'],
    ['empty SignedHeaders entry', (a) => a.replace('SignedHeaders=host;', 'SignedHeaders=host;;')],
    ['upper-case SignedHeaders name', (a) => a.replace('SignedHeaders=host;', 'SignedHeaders=Host;')],
    ['duplicate SignedHeaders name', (a) => a.replace('SignedHeaders=host;', 'SignedHeaders=host;host;')],
    ['host not signed', (a) => a.replace('SignedHeaders=host;', 'SignedHeaders=')],
    ['x-acs-content-sha256 not signed', (a) => a.replace('x-acs-content-sha256;', '')],
    ['credential with a scope', (a) => a.replace('Credential=LTAI5tFAKEaccessKeyId01', 'Credential=LTAI5tFAKEaccessKeyId01/20261128')],
  ];
  for (const [name, edit] of malformed) {
    it(`malformed Authorization (${name}) → IncompleteSignature`, () => {
      assertApiError(() => parseRpcRequest(rawWith(v3, (r) => (r.headers['authorization'] = edit(auth(r))))), ...incomplete);
    });
  }

  it('unknown algorithm → InvalidSignatureMethod', () => {
    for (const alg of ['ACS3-HMAC-MD5', 'ACS4-HMAC-SM3', 'ACS3-RSA-SHA256']) {
      assertApiError(
        () => parseRpcRequest(rawWith(v3, (r) => (r.headers['authorization'] = auth(r).replace('ACS3-HMAC-SHA256', alg)))),
        'InvalidSignatureMethod', 400, 'Specified signature method is not supported.',
      );
    }
  });

  it('an x-acs-* or content-type header present but not signed → IncompleteSignature', () => {
    assertApiError(() => parseRpcRequest(rawWith(v3, (r) => (r.headers['x-acs-security-token'] = 'x'))), ...incomplete);
    assertApiError(() => parseRpcRequest(rawWith(v3, (r) => (r.headers['X-Acs-Extra'] = 'x'))), ...incomplete);
    assertApiError(() => parseRpcRequest(rawWith(v3, (r) => (r.headers['content-type'] = 'application/x-www-form-urlencoded'))), ...incomplete);
  });

  it('a signed header that is absent → IncompleteSignature', () => {
    assertApiError(() => parseRpcRequest(rawWith(v3, (r) => delete r.headers['x-acs-credentials-provider'])), ...incomplete);
    assertApiError(() => parseRpcRequest(rawWith(v3, (r) => delete r.headers['host'])), ...incomplete);
  });

  it('bad x-acs-date → InvalidTimeStamp.Format', () => {
    assertApiError(
      () => parseRpcRequest(rawWith(v3, (r) => (r.headers['x-acs-date'] = 'Sat, 28 Nov 2026 15:36:39 GMT'))),
      'InvalidTimeStamp.Format', 400, 'Specified time stamp or date value is not well formatted.',
    );
  });

  it('ACS4: malformed credential scope or a scope date other than x-acs-date → IncompleteSignature', () => {
    const v4 = 'oc-v4-post-query';
    for (const edit of [
      (a: string) => a.replace('/aliyun_v4_request', '/aliyun_v3_request'),
      (a: string) => a.replace('/20261128/', '/2026112/'),
      (a: string) => a.replace('/center/', '//'),
      (a: string) => a.replace('/20261128/', '/20261127/'),
      (a: string) => a.replace('/Ens/aliyun_v4_request', '/aliyun_v4_request'),
    ]) {
      assertApiError(() => parseRpcRequest(rawWith(v4, (r) => (r.headers['authorization'] = edit(auth(r))))), ...incomplete);
    }
  });

  it('ACS3/4 reads the STS token from the signed x-acs-security-token header', () => {
    assert.equal(parseRpcRequest(toRaw(VECTORS.find((v) => v.variant === 'oc-v3-post-query-sts')!)).securityToken, CREDENTIALS.securityToken);
  });
});
