/**
 * Who is calling: parse the RPC request, find the AccessKey (an account's, a RAM user's, or STS credentials),
 * verify the signature, then (only for a valid signature, so nobody can burn nonces) the security token, the
 * timestamp window and the nonce.
 */
import { apiError } from '../kernel/errors.js';
import { Gateway } from '../kernel/catalog.js';
import { SECURITY_TOKEN, type CredentialDirectory } from '../services/index.js';
import { parseRpcRequest, verifySignature, type RawHttpRequest, type ReplayGuard, type RpcRequest } from './auth/index.js';
import { checkSecurityToken } from './auth/security-token.js';

export interface Caller {
  readonly accountId: string;
  readonly accessKeyId: string;
  /** The RAM user acting (its own key or STS credentials); '' for the account's own key. */
  readonly userId: string;
  readonly request: RpcRequest;
}

export async function authenticate(raw: RawHttpRequest, credentials: CredentialDirectory, replay: ReplayGuard):
  Promise<Caller> {
  const request = parseRpcRequest(raw);
  const key = await credentials.find(request.accessKeyId);
  if (!key) throw apiError(Gateway.InvalidAccessKeyIdNotFound);
  if (!key.active) throw apiError(Gateway.InvalidAccessKeyIdInactive);
  if (!verifySignature(request, key.secret)) throw apiError(Gateway.SignatureDoesNotMatch);
  checkSecurityToken(request.securityToken, { ...key.sts, shape: SECURITY_TOKEN }, replay.clock.now());
  replay.check(request.accessKeyId, request.nonce, request.timestampMs);
  return { accountId: key.accountId, accessKeyId: key.accessKeyId, userId: key.userId, request };
}
