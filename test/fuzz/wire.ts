/**
 * Shared parts of the hostile-input suites: HMAC-SHA1 (signature 1.0) requests signed over arbitrary values —
 * lone surrogates and control characters included, so the encoding works on UTF-8 bytes rather than
 * `encodeURIComponent`, which throws on a lone surrogate — and the check that an answer is a well-formed
 * envelope with a code of the catalog and that code's status.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { allErrorSpecs } from '../../src/kernel/catalog.js';
import type { ErrorSpec } from '../../src/kernel/errors.js';

/** RFC 3986 over the UTF-8 bytes (a lone surrogate becomes U+FFFD's bytes, on both sides of the signature). */
export function encodeBytes(s: string): string {
  try {
    return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    // A lone surrogate: encode the bytes Buffer writes for it (U+FFFD).
  }
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function encodeForm(params: Readonly<Record<string, string>>): string {
  return Object.entries(params).map(([k, v]) => `${encodeBytes(k)}=${encodeBytes(v)}`).join('&');
}

export interface SignedParts {
  /** Path and query: `/?` + the common parameters and Signature. */
  url: string;
  /** The business parameters as a form body. */
  body: string;
}

export interface SignOptions {
  accessKeyId: string;
  secret: string;
  /** Epoch milliseconds of the Timestamp parameter. */
  at: number;
  nonce: string;
  /** Extra common parameters (SecurityToken…), signed and sent in the query. */
  extra?: Readonly<Record<string, string>>;
  /** Everything, common parameters included, in the form body (as pop-core's POST sends it). */
  allInBody?: boolean;
  /** Sign for another method or path than the POST to `/` that is sent (attacks). */
  signedFor?: { method?: string; path?: string };
}

/** The common parameters in the query, the business parameters in a form body, all signed (POP 1.0, POST). */
export function signRequest(action: string, params: Readonly<Record<string, string>>, o: SignOptions): SignedParts {
  const common: Record<string, string> = {
    Action: action, Format: 'JSON', Version: '2017-11-10', AccessKeyId: o.accessKeyId, SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0', SignatureNonce: o.nonce, Timestamp: new Date(o.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...o.extra,
  };
  const all = { ...params, ...common };
  const canonical = Object.keys(all).sort().map((k) => `${encodeBytes(k)}=${encodeBytes(all[k]!)}`).join('&');
  const toSign = `${o.signedFor?.method ?? 'POST'}&${encodeBytes(o.signedFor?.path ?? '/')}&${encodeBytes(canonical)}`;
  const Signature = createHmac('sha1', `${o.secret}&`).update(toSign).digest('base64');
  if (o.allInBody) return { url: '/', body: encodeForm({ ...all, Signature }) };
  return { url: `/?${encodeForm({ ...common, Signature })}`, body: encodeForm(params) };
}

export const FORM = 'application/x-www-form-urlencoded';

const SPECS = allErrorSpecs();
const PATTERNS = SPECS.map((s) => ({
  spec: s,
  re: new RegExp(`^${s.code.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%s/g, '.+')}$`),
}));

/** The catalog entry a code comes from: an exact code first, else the first template it fills. */
export function catalogSpec(code: string): ErrorSpec | undefined {
  return SPECS.find((s) => s.code === code) ?? PATTERNS.find((p) => p.re.test(code))?.spec;
}

export interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

/**
 * Asserts the answer is not a 5xx and is a JSON envelope: a success (RequestId, no Code), or an error whose code
 * is in the catalog with that code's HTTP status. Returns the code ('' on success).
 */
export function assertEnvelope(a: Answer, context: string): string {
  assert.ok(a.status < 500, `${context}: status ${a.status} ${a.body.slice(0, 300)}`);
  assert.match(a.contentType ?? '', /^application\/json/, `${context}: content-type ${a.contentType}`);
  const body = JSON.parse(a.body) as Record<string, unknown>;
  assert.equal(typeof body.RequestId, 'string', `${context}: no RequestId`);
  // Some successes carry ENS's own `Code: 0` (DescribeEnsRegions): a 200 is a success whatever its fields.
  if (a.status === 200) return '';
  assert.deepEqual(Object.keys(body), ['RequestId', 'HostId', 'Code', 'Message', 'Recommend'], context);
  const code = String(body.Code);
  const spec = catalogSpec(code);
  assert.ok(spec, `${context}: code ${code} is not in the catalog`);
  assert.equal(a.status, spec.status, `${context}: ${code} answered ${a.status}, the catalog says ${spec.status}`);
  return code;
}
