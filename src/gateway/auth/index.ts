/** Public API of the gateway's authentication: parse, verify, replay-check. */
export type { RawHttpRequest } from './raw-request.js';
export { headerValue } from './raw-request.js';
export type { Pair } from './encoding.js';
export { decodePairs, pct } from './encoding.js';
export type {
  Acs3SigningInput,
  Acs4Scope,
  Acs4SigningInput,
  HeaderSigningInput,
  RpcRequest,
  SignatureScheme,
  SigningInput,
  V1SigningInput,
} from './types.js';
export { COMMON_PARAMETERS, parseRpcRequest } from './rpc-request.js';
export { verifySignature } from './verify.js';
export { ReplayGuard } from './replay-guard.js';
