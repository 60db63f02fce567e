/** Common parameters of RPC signature version 1.0 (HMAC-SHA1), read from query ∪ body. */
import { Gateway } from '../../kernel/catalog.js';
import { apiError } from '../../kernel/errors.js';
import type { Pair } from './encoding.js';
import { parseTimestamp } from './timestamp.js';
import type { RpcRequest } from './types.js';

/** What a scheme parser contributes to an `RpcRequest`. */
export type SchemeFields = Omit<RpcRequest, 'format' | 'params'>;

/** A present, non-empty parameter, or `Missing<name>`. */
function required(params: ReadonlyMap<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') throw apiError(Gateway.MissingParameter, name);
  return value;
}

/**
 * Reads the V1 common parameters. Checks, in order: Action, Version,
 * AccessKeyId, SignatureMethod (must be `HMAC-SHA1`), SignatureVersion (must be
 * `1.0`), SignatureNonce, Timestamp (format), Signature.
 *
 * @param pairs all decoded query then body pairs (already checked unique)
 * @param params the same pairs by key
 */
export function parseV1(method: string, pairs: readonly Pair[], params: ReadonlyMap<string, string>): SchemeFields {
  const action = required(params, 'Action');
  const version = required(params, 'Version');
  const accessKeyId = required(params, 'AccessKeyId');
  if (required(params, 'SignatureMethod') !== 'HMAC-SHA1') throw apiError(Gateway.InvalidSignatureMethod);
  if (required(params, 'SignatureVersion') !== '1.0') throw apiError(Gateway.InvalidSignatureVersion);
  const nonce = required(params, 'SignatureNonce');
  const timestampMs = parseTimestamp(required(params, 'Timestamp'));
  const signature = required(params, 'Signature');
  const securityToken = params.get('SecurityToken') || undefined;
  return {
    scheme: 'HMAC-SHA1',
    accessKeyId,
    action,
    version,
    nonce,
    timestampMs,
    ...(securityToken === undefined ? {} : { securityToken }),
    signing: {
      scheme: 'HMAC-SHA1',
      method,
      pairs: pairs.filter(([key]) => key !== 'Signature'),
      signature,
    },
  };
}
