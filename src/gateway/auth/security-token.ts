/**
 * The STS security token of a request (`SecurityToken` parameter in HMAC-SHA1 1.0, `x-acs-security-token`
 * header in ACS3/ACS4; both signed), checked after the signature verified, in the order Alibaba's gateway
 * reports: missing, malformed, not this key's, expired. A token sent with a permanent AccessKey is ignored:
 * only STS credentials have one (the captured client requests include such a request and it authenticates).
 * Digests are compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Gateway } from '../../kernel/catalog.js';
import { apiError } from '../../kernel/errors.js';

export interface TokenExpectation {
  /** Hex SHA-256 of the token issued with the credentials; undefined for a permanent AccessKey. */
  readonly tokenSha256?: string;
  readonly expiresAt?: number;
  /** What a well-formed token looks like. */
  readonly shape: RegExp;
}

export function checkSecurityToken(presented: string | undefined, expected: TokenExpectation, now: number): void {
  if (expected.tokenSha256 === undefined) return;
  if (presented === undefined) throw apiError(Gateway.MissingParameter, 'SecurityToken');
  if (!expected.shape.test(presented)) throw apiError(Gateway.InvalidSecurityTokenMalformed);
  const given = createHash('sha256').update(presented, 'utf8').digest();
  const wanted = Buffer.from(expected.tokenSha256, 'hex');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw apiError(Gateway.InvalidSecurityTokenMismatch);
  }
  if (expected.expiresAt !== undefined && now >= expected.expiresAt) throw apiError(Gateway.InvalidSecurityTokenExpired);
}
