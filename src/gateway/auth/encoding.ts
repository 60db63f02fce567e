/**
 * Wire encodings of the Alibaba RPC protocol: strict RFC 3986 percent-encoding
 * for canonical strings, and a fatal decoder for `a=b&c=d` query and form text.
 */
import { Gateway } from '../../kernel/catalog.js';
import { apiError } from '../../kernel/errors.js';

/** A decoded `key=value` pair, in the order it appeared on the wire. */
export type Pair = readonly [key: string, value: string];

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

/**
 * Strict RFC 3986 encoding: `A-Z a-z 0-9 - _ . ~` stay literal; every other
 * UTF-8 byte becomes `%XX` with upper-case hex (space is `%20`, `*` is `%2A`).
 */
export function pct(s: string): string {
  let out = '';
  for (const ch of s) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) {
      out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/**
 * Decodes one component: `+` becomes a space, then `%XX` escapes are decoded
 * as UTF-8. Malformed escapes or invalid UTF-8 (overlong forms, surrogates,
 * truncated sequences) throw `InvalidParameter.Encoding`.
 */
export function decodeComponent(s: string): string {
  const spaced = s.replace(/\+/g, ' ');
  try {
    // decodeURIComponent is fatal by specification: it throws URIError on a
    // bad escape or on octets that are not a well-formed UTF-8 encoding.
    return decodeURIComponent(spaced);
  } catch {
    throw apiError(Gateway.InvalidEncoding);
  }
}

/**
 * Splits `a=b&c=d` into decoded pairs in wire order. A piece without `=` is a
 * key with an empty value; empty pieces (`a=1&&b=2`) are skipped. Duplicates
 * are kept: the caller decides what they mean.
 */
export function decodePairs(text: string): Pair[] {
  const pairs: Pair[] = [];
  for (const piece of text.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const key = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? '' : piece.slice(eq + 1);
    pairs.push([decodeComponent(key), decodeComponent(value)]);
  }
  return pairs;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes body bytes as UTF-8, fatally (`InvalidParameter.Encoding`). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw apiError(Gateway.InvalidEncoding);
  }
}

/** Code-unit (not locale) order, as the clients' `Array.prototype.sort` uses. */
export function byKey(a: Pair, b: Pair): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
