/**
 * Turns a raw HTTP request into an `RpcRequest`: decoded parameters, the
 * signature scheme and its common fields, and the business parameters.
 * Pure: no clock, no credentials, no I/O. Verification is `verify.ts`.
 */
import { Gateway } from '../../kernel/catalog.js';
import { apiError } from '../../kernel/errors.js';
import { isHeaderScheme } from './authorization.js';
import { decodePairs, decodeUtf8, type Pair } from './encoding.js';
import { parseHeaderSigned } from './parse-acs.js';
import { parseV1, type SchemeFields } from './parse-v1.js';
import { headerValue, type RawHttpRequest } from './raw-request.js';
import type { RpcRequest } from './types.js';

export type { RpcRequest, SignatureScheme, SigningInput } from './types.js';

/** V1 common parameters; never part of `params`, whatever the scheme. */
export const COMMON_PARAMETERS: ReadonlySet<string> = new Set([
  'Action', 'Version', 'Format', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion',
  'SignatureNonce', 'Timestamp', 'Signature', 'SecurityToken',
]);

const FORM_TYPE = 'application/x-www-form-urlencoded';

function splitUrl(url: string): { path: string; queryText: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, queryText: '' } : { path: url.slice(0, q), queryText: url.slice(q + 1) };
}

function bodyPairs(raw: RawHttpRequest): Pair[] {
  const type = headerValue(raw, 'content-type')?.trim().toLowerCase() ?? '';
  if (!type.startsWith(FORM_TYPE) || raw.body.length === 0) return [];
  return decodePairs(decodeUtf8(raw.body));
}

/** Indexes pairs by key; a key seen twice anywhere is `InvalidParameter.Duplicate`. */
function uniqueByKey(pairs: readonly Pair[]): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const [key, value] of pairs) {
    if (byKey.has(key)) throw apiError(Gateway.DuplicateParameter, key);
    byKey.set(key, value);
  }
  return byKey;
}

function parseFormat(value: string | undefined): 'JSON' | 'XML' {
  const upper = (value ?? '').toUpperCase();
  if (upper === '' || upper === 'JSON') return 'JSON';
  if (upper === 'XML') return 'XML';
  throw apiError(Gateway.UnsupportedFormat);
}

function businessParams(pairs: readonly Pair[]): Record<string, string> {
  const params = Object.create(null) as Record<string, string>;
  for (const [key, value] of pairs) {
    if (!COMMON_PARAMETERS.has(key)) params[key] = value;
  }
  return params;
}

/**
 * Parses and classifies a request. Throws `ApiError`s only (encoding,
 * duplicates, missing or malformed common parameters, unsupported
 * signature method/version, format). Does not check the signature, the
 * timestamp window or the nonce.
 */
export function parseRpcRequest(raw: RawHttpRequest): RpcRequest {
  const { path, queryText } = splitUrl(raw.url);
  const query = decodePairs(queryText);
  const all = [...query, ...bodyPairs(raw)];
  const byKey = uniqueByKey(all);
  const authorization = headerValue(raw, 'authorization');
  let fields: SchemeFields;
  if (isHeaderScheme(authorization)) {
    fields = parseHeaderSigned(raw, authorization, path, query);
  } else if (byKey.has('Signature')) {
    fields = parseV1(raw.method, all, byKey);
  } else {
    throw apiError(Gateway.MissingParameter, 'Signature');
  }
  return { ...fields, format: parseFormat(byKey.get('Format')), params: businessParams(all) };
}
