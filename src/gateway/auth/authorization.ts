/**
 * The `Authorization` header of the header-signed schemes:
 * `ALG Credential=…,SignedHeaders=a;b;c,Signature=<hex>`.
 */
import { Gateway } from '../../kernel/catalog.js';
import { apiError } from '../../kernel/errors.js';
import type { Acs4Scope } from './types.js';

export type HeaderAlgorithm = 'ACS3-HMAC-SHA256' | 'ACS3-HMAC-SM3' | 'ACS4-HMAC-SHA256';

const ALGORITHMS: readonly string[] = ['ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3', 'ACS4-HMAC-SHA256'];
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const HEX_SIGNATURE = /^[0-9a-fA-F]{64}$/;
const V4_TERMINATOR = 'aliyun_v4_request';

export interface ParsedAuthorization {
  algorithm: HeaderAlgorithm;
  credential: string;
  signedHeaders: string[];
  /** Lower-case hex. */
  signature: string;
}

/** True when the header selects ACS3/ACS4 rather than RPC V1. */
export function isHeaderScheme(authorization: string | undefined): authorization is string {
  return authorization !== undefined && /^ACS[34]-/.test(authorization);
}

const incomplete = () => apiError(Gateway.IncompleteSignature);

/** Splits `Name=value` parts (comma separated, surrounding spaces allowed); each name once. */
function namedParts(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw incomplete();
    const name = trimmed.slice(0, eq);
    if (parts.has(name)) throw incomplete();
    parts.set(name, trimmed.slice(eq + 1));
  }
  return parts;
}

function parseSignedHeaders(text: string): string[] {
  const names = text.split(';');
  if (!names.every((n) => HEADER_NAME.test(n))) throw incomplete();
  if (new Set(names).size !== names.length) throw incomplete();
  return names;
}

/**
 * Parses the header. An unknown `ACS3-`/`ACS4-` algorithm throws
 * `InvalidSignatureMethod`; any other malformation `IncompleteSignature`.
 */
export function parseAuthorization(value: string): ParsedAuthorization {
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (!ALGORITHMS.includes(algorithm)) throw apiError(Gateway.InvalidSignatureMethod);
  if (space < 0) throw incomplete();
  const parts = namedParts(value.slice(space + 1));
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (parts.size !== 3 || !credential || signedHeaders === undefined || signature === undefined) {
    throw incomplete();
  }
  if (!HEX_SIGNATURE.test(signature)) throw incomplete();
  return {
    algorithm: algorithm as HeaderAlgorithm,
    credential,
    signedHeaders: parseSignedHeaders(signedHeaders),
    signature: signature.toLowerCase(),
  };
}

/** Splits an ACS4 credential `AK/yyyymmdd/region/product/aliyun_v4_request`. */
export function parseAcs4Credential(credential: string): { accessKeyId: string; scope: Acs4Scope } {
  const fields = credential.split('/');
  if (fields.length !== 5) throw incomplete();
  const [accessKeyId, date, region, product, terminator] = fields as [string, string, string, string, string];
  const ok = accessKeyId !== '' && /^\d{8}$/.test(date) && region !== '' && product !== '' && terminator === V4_TERMINATOR;
  if (!ok) throw incomplete();
  return { accessKeyId, scope: { date, region, product } };
}
