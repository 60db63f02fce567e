/** The shapes shared by the parser, the signature schemes and the verifier. */
import type { Pair } from './encoding.js';

export type SignatureScheme = 'HMAC-SHA1' | 'ACS3-HMAC-SHA256' | 'ACS3-HMAC-SM3' | 'ACS4-HMAC-SHA256';

/** RPC signature version 1.0: every query and form parameter except `Signature`. */
export interface V1SigningInput {
  scheme: 'HMAC-SHA1';
  method: string;
  /** Decoded query pairs followed by decoded form-body pairs, `Signature` removed. */
  pairs: readonly Pair[];
  /** The decoded `Signature` parameter (base64). */
  signature: string;
}

/** What ACS3 and ACS4 both sign: method, path, query, signed headers, payload hash. */
export interface HeaderSigningInput {
  method: string;
  /** The request path exactly as sent (`/` for RPC). */
  path: string;
  /** Decoded query pairs only; the body is covered by the payload hash. */
  query: readonly Pair[];
  /** SignedHeaders in the order the client gave them (lower-case names). */
  signedHeaders: readonly string[];
  /** The value of each signed header, trimmed, in `signedHeaders` order. */
  headerValues: readonly string[];
  /** `x-acs-content-sha256` as sent (SM3 hex for ACS3-HMAC-SM3). */
  declaredPayloadHash: string;
  /** Lower-case hex digest of the exact raw body with the scheme's hash. */
  payloadHash: string;
  /** The Authorization header's `Signature=` value, lower-cased hex. */
  signature: string;
}

export interface Acs3SigningInput extends HeaderSigningInput {
  scheme: 'ACS3-HMAC-SHA256' | 'ACS3-HMAC-SM3';
}

/** ACS4 credential scope: `AK/yyyymmdd/region/product/aliyun_v4_request`. */
export interface Acs4Scope {
  date: string;
  region: string;
  product: string;
}

export interface Acs4SigningInput extends HeaderSigningInput {
  scheme: 'ACS4-HMAC-SHA256';
  scope: Acs4Scope;
}

export type SigningInput = V1SigningInput | Acs3SigningInput | Acs4SigningInput;

export interface RpcRequest {
  scheme: SignatureScheme;
  accessKeyId: string;
  action: string;
  version: string;
  nonce: string;
  timestampMs: number;
  securityToken?: string;
  format: 'JSON' | 'XML';
  /**
   * Business parameters: query ∪ form body minus the common parameters.
   * A null-prototype object, so a key like `__proto__` is an ordinary entry.
   */
  params: Record<string, string>;
  /** Everything the verifier needs. */
  signing: SigningInput;
}
