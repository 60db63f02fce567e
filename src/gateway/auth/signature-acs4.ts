/**
 * ACS4-HMAC-SHA256 (openapi cores with `signatureVersion: 'v4'` and the
 * gateway-pop SPI). See client-wire.md §6.3. Two flavours:
 *
 * - strict: byte keys in the HMAC chain, RFC 3986 query encoding;
 * - node: what gateway-pop 0.0.6 really sends. Its
 *   darabonba-signature-util `HmacSHA256SignByBytes(data, key)` does
 *   `createHmac('sha256', key.toString())`, so every derived key goes through
 *   a lossy UTF-8 string round trip; and darabonba-encode-util `percentEncode`
 *   is `encodeURIComponent(s).replace('*', '%2A')`, which leaves `! ' ( )`
 *   literal and escapes only the first `*`.
 *
 * Both write an empty value as the bare key (no `=`).
 */
import { hashHex, hmac } from './crypto-util.js';
import { pct, type Pair } from './encoding.js';
import { canonicalRequest, type QueryWriter } from './signature-acs3.js';
import type { Acs4SigningInput } from './types.js';

export type Acs4Flavour = 'strict' | 'node';

const TERMINATOR = 'aliyun_v4_request';

function writer(encode: (s: string) => string): QueryWriter {
  return ([k, v]: Pair) => (v === '' ? encode(k) : `${encode(k)}=${encode(v)}`);
}

/** darabonba-encode-util 0.0.2 `percentEncode` (String.replace replaces once). */
function nodePercentEncode(s: string): string {
  try {
    return encodeURIComponent(s).replace('*', '%2A');
  } catch {
    // Lone surrogates: the Node client could not have signed this; use strict.
    return pct(s);
  }
}

const WRITERS: Record<Acs4Flavour, QueryWriter> = { strict: writer(pct), node: writer(nodePercentEncode) };

/** A derived key as the flavour feeds it to the next HMAC. */
function asKey(key: Buffer, flavour: Acs4Flavour): Buffer {
  return flavour === 'node' ? Buffer.from(key.toString('utf8'), 'utf8') : key;
}

export function signingKeyAcs4(secret: string, input: Acs4SigningInput, flavour: Acs4Flavour): Buffer {
  const { date, region, product } = input.scope;
  let key = hmac('sha256', `aliyun_v4${secret}`, date);
  for (const part of [region, product, TERMINATOR]) key = hmac('sha256', asKey(key, flavour), part);
  return asKey(key, flavour);
}

export function stringToSignAcs4(input: Acs4SigningInput, flavour: Acs4Flavour): string {
  return `${input.scheme}\n${hashHex('sha256', canonicalRequest(input, WRITERS[flavour]))}`;
}

/** Lower-case hex signature in the given flavour. */
export function signAcs4(input: Acs4SigningInput, accessKeySecret: string, flavour: Acs4Flavour): string {
  const key = signingKeyAcs4(accessKeySecret, input, flavour);
  return hmac('sha256', key, stringToSignAcs4(input, flavour)).toString('hex');
}
