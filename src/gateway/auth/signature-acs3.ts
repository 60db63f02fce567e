/**
 * ACS3-HMAC-SHA256 and ACS3-HMAC-SM3: the default of @alicloud/openapi-client
 * and @alicloud/openapi-core. See client-wire.md §6.2. The canonical-request
 * builder is shared with ACS4, which differs only in how the query is written.
 */
import { hashHex, hmac, type DigestName } from './crypto-util.js';
import { byKey, pct, type Pair } from './encoding.js';
import type { Acs3SigningInput, HeaderSigningInput } from './types.js';

/** How one query pair is written into the canonical query string. */
export type QueryWriter = (pair: Pair) => string;

/** ACS3: `pct(key)=pct(value)`, an empty value giving `key=`. */
export const acs3QueryPair: QueryWriter = ([k, v]) => `${pct(k)}=${pct(v)}`;

export function canonicalQuery(query: readonly Pair[], write: QueryWriter): string {
  return [...query].sort(byKey).map(write).join('&');
}

/**
 * The six lines `METHOD`, path, query, `name:value\n` headers (hence a blank
 * line), SignedHeaders, payload hash. The declared (signed) hash is used; the
 * verifier separately requires it to equal the computed one.
 */
export function canonicalRequest(input: HeaderSigningInput, write: QueryWriter): string {
  const headers = input.signedHeaders.map((name, i) => `${name}:${input.headerValues[i] ?? ''}\n`).join('');
  return [
    input.method,
    input.path,
    canonicalQuery(input.query, write),
    headers,
    input.signedHeaders.join(';'),
    input.declaredPayloadHash,
  ].join('\n');
}

export function acs3Digest(scheme: Acs3SigningInput['scheme']): DigestName {
  return scheme === 'ACS3-HMAC-SM3' ? 'sm3' : 'sha256';
}

/** `ALG\n` + hex(digest(canonical request)). */
export function stringToSignAcs3(input: Acs3SigningInput): string {
  return `${input.scheme}\n${hashHex(acs3Digest(input.scheme), canonicalRequest(input, acs3QueryPair))}`;
}

/** Lower-case hex HMAC with the plain secret (no `&`). */
export function signAcs3(input: Acs3SigningInput, accessKeySecret: string): string {
  return hmac(acs3Digest(input.scheme), accessKeySecret, stringToSignAcs3(input)).toString('hex');
}
