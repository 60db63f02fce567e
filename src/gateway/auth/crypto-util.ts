/** Small wrappers over node:crypto used by every signature scheme. */
import { createHash, createHmac, timingSafeEqual, type BinaryLike } from 'node:crypto';

/** Node digest names: `sha1`, `sha256`, `sm3`. */
export type DigestName = 'sha1' | 'sha256' | 'sm3';

export function hmac(digest: DigestName, key: BinaryLike, data: string): Buffer {
  return createHmac(digest, key).update(data, 'utf8').digest();
}

export function hashHex(digest: DigestName, data: string | Uint8Array): string {
  return createHash(digest).update(data).digest('hex');
}

/**
 * Constant-time string comparison. Unequal lengths return false after a
 * same-length dummy comparison; lengths of signatures are public anyway.
 */
export function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}
