/**
 * RPC signature version 1.0 (HMAC-SHA1): pop-core, and the openapi cores with
 * `signatureAlgorithm: 'v2'`. See client-wire.md §6.1.
 */
import { hmac } from './crypto-util.js';
import { byKey, pct } from './encoding.js';
import type { V1SigningInput } from './types.js';

/** `pct(k)=pct(v)` of every pair, sorted by decoded key, joined with `&`. */
export function canonicalizedQueryV1(pairs: V1SigningInput['pairs']): string {
  return [...pairs].sort(byKey).map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
}

/** `METHOD&%2F&pct(canonicalized)`: the path part is always `/` for RPC. */
export function stringToSignV1(input: V1SigningInput): string {
  return `${input.method}&${pct('/')}&${pct(canonicalizedQueryV1(input.pairs))}`;
}

/** base64(HMAC-SHA1(secret + "&", stringToSign)). */
export function signV1(input: V1SigningInput, accessKeySecret: string): string {
  return hmac('sha1', `${accessKeySecret}&`, stringToSignV1(input)).toString('base64');
}
