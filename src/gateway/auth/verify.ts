/** Signature verification for every scheme, in constant time. */
import { safeEqual } from './crypto-util.js';
import { signAcs3 } from './signature-acs3.js';
import { signAcs4 } from './signature-acs4.js';
import { signV1 } from './signature-v1.js';
import type { HeaderSigningInput, RpcRequest } from './types.js';

/** The computed body digest must equal the (signed) `x-acs-content-sha256`. */
function payloadMatches(input: HeaderSigningInput): boolean {
  return safeEqual(input.payloadHash, input.declaredPayloadHash.toLowerCase());
}

/**
 * True iff the request was signed with `accessKeySecret`. For ACS3/ACS4 the
 * raw body must also hash to `x-acs-content-sha256`; a mismatch is `false`
 * (the caller answers `SignatureDoesNotMatch`). ACS4 accepts either the strict
 * or the Node-stack flavour. Never throws for a well-formed `RpcRequest`.
 */
export function verifySignature(req: RpcRequest, accessKeySecret: string): boolean {
  const input = req.signing;
  switch (input.scheme) {
    case 'HMAC-SHA1':
      return safeEqual(signV1(input, accessKeySecret), input.signature);
    case 'ACS3-HMAC-SHA256':
    case 'ACS3-HMAC-SM3': {
      const signatureOk = safeEqual(signAcs3(input, accessKeySecret), input.signature);
      return payloadMatches(input) && signatureOk;
    }
    case 'ACS4-HMAC-SHA256': {
      const strict = safeEqual(signAcs4(input, accessKeySecret, 'strict'), input.signature);
      const node = safeEqual(signAcs4(input, accessKeySecret, 'node'), input.signature);
      return payloadMatches(input) && (strict || node);
    }
  }
}
