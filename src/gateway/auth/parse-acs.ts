/**
 * Common fields of the header-signed schemes (ACS3-HMAC-SHA256, ACS3-HMAC-SM3,
 * ACS4-HMAC-SHA256): Authorization, the signed `x-acs-*` headers, payload hash.
 */
import { Gateway } from '../../kernel/catalog.js';
import { apiError } from '../../kernel/errors.js';
import { parseAcs4Credential, parseAuthorization, type ParsedAuthorization } from './authorization.js';
import { hashHex } from './crypto-util.js';
import type { Pair } from './encoding.js';
import type { SchemeFields } from './parse-v1.js';
import { headerValue, type RawHttpRequest } from './raw-request.js';
import { parseTimestamp } from './timestamp.js';
import type { HeaderSigningInput } from './types.js';

/** Headers that must be in SignedHeaders. */
const MUST_SIGN = ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'];

/** Header → parameter name used in `Missing<name>`. */
const MANDATORY: readonly (readonly [header: string, param: string])[] = [
  ['x-acs-action', 'Action'],
  ['x-acs-version', 'Version'],
  ['x-acs-date', 'Timestamp'],
  ['x-acs-signature-nonce', 'SignatureNonce'],
];

const incomplete = () => apiError(Gateway.IncompleteSignature);

function mandatoryHeaders(raw: RawHttpRequest): Map<string, string> {
  const values = new Map<string, string>();
  for (const [header, param] of MANDATORY) {
    const value = headerValue(raw, header)?.trim();
    if (!value) throw apiError(Gateway.MissingParameter, param);
    values.set(header, value);
  }
  return values;
}

/**
 * The signed-header policy: the MUST_SIGN set is signed, every signed header
 * is present, and every `x-acs-*` header (and `content-type`, which decides
 * whether the body is read as parameters) that is present is signed.
 */
function signedHeaderValues(raw: RawHttpRequest, signed: readonly string[]): string[] {
  if (!MUST_SIGN.every((name) => signed.includes(name))) throw incomplete();
  for (const [name, value] of Object.entries(raw.headers)) {
    const lower = name.toLowerCase();
    const mustBeSigned = lower.startsWith('x-acs-') || lower === 'content-type';
    if (value !== undefined && mustBeSigned && !signed.includes(lower)) throw incomplete();
  }
  return signed.map((name) => {
    const value = headerValue(raw, name);
    if (value === undefined) throw incomplete();
    return value.trim();
  });
}

function signingBase(raw: RawHttpRequest, path: string, query: readonly Pair[], auth: ParsedAuthorization): HeaderSigningInput {
  const headerValues = signedHeaderValues(raw, auth.signedHeaders);
  const digest = auth.algorithm === 'ACS3-HMAC-SM3' ? 'sm3' : 'sha256';
  return {
    method: raw.method,
    path,
    query,
    signedHeaders: auth.signedHeaders,
    headerValues,
    declaredPayloadHash: headerValues[auth.signedHeaders.indexOf('x-acs-content-sha256')] ?? '',
    payloadHash: hashHex(digest, raw.body),
    signature: auth.signature,
  };
}

/**
 * Parses an ACS3/ACS4 request. Order of checks: Authorization syntax and
 * algorithm; x-acs-action/-version/-date/-signature-nonce present
 * (`Missing<Param>`); signed-header policy (`IncompleteSignature`); x-acs-date
 * format; for ACS4 the credential scope, whose date must equal x-acs-date's.
 */
export function parseHeaderSigned(raw: RawHttpRequest, authorization: string, path: string, query: readonly Pair[]): SchemeFields {
  const auth = parseAuthorization(authorization);
  const values = mandatoryHeaders(raw);
  const base = signingBase(raw, path, query, auth);
  const date = values.get('x-acs-date') ?? '';
  const timestampMs = parseTimestamp(date);
  const securityToken = headerValue(raw, 'x-acs-security-token')?.trim() || undefined;
  const common = {
    action: values.get('x-acs-action') ?? '',
    version: values.get('x-acs-version') ?? '',
    nonce: values.get('x-acs-signature-nonce') ?? '',
    timestampMs,
    ...(securityToken === undefined ? {} : { securityToken }),
  };
  if (auth.algorithm === 'ACS4-HMAC-SHA256') {
    const { accessKeyId, scope } = parseAcs4Credential(auth.credential);
    if (scope.date !== date.slice(0, 10).replace(/-/g, '')) throw incomplete();
    return { ...common, scheme: auth.algorithm, accessKeyId, signing: { ...base, scheme: auth.algorithm, scope } };
  }
  if (auth.credential.includes('/')) throw incomplete();
  return { ...common, scheme: auth.algorithm, accessKeyId: auth.credential, signing: { ...base, scheme: auth.algorithm } };
}
