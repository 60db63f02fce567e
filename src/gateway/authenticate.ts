/**
 * Who is calling: parse the RPC request, find the AccessKey, verify the
 * signature, then (only for a valid signature, so nobody can burn nonces)
 * check the timestamp window and the nonce.
 */
import { apiError } from '../kernel/errors.js';
import { Gateway } from '../kernel/catalog.js';
import type { Accounts } from '../services/accounts.js';
import { parseRpcRequest, verifySignature, type RawHttpRequest, type ReplayGuard, type RpcRequest } from './auth/index.js';

export interface Caller {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly request: RpcRequest;
}

export async function authenticate(raw: RawHttpRequest, accounts: Accounts, replay: ReplayGuard): Promise<Caller> {
  const request = parseRpcRequest(raw);
  const key = await accounts.findKey(request.accessKeyId);
  if (!key) throw apiError(Gateway.InvalidAccessKeyIdNotFound);
  if (key.status !== 'Active') throw apiError(Gateway.InvalidAccessKeyIdInactive);
  if (!verifySignature(request, key.secret)) throw apiError(Gateway.SignatureDoesNotMatch);
  replay.check(request.accessKeyId, request.nonce, request.timestampMs);
  return { accountId: key.accountId, accessKeyId: key.id, request };
}
