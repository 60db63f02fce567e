/**
 * A hand-signed RPC request the way Terraform's alicloud provider sends one (`RpcPost` → tea-rpc): the common
 * parameters and `Signature` in the query, the business parameters in an `application/x-www-form-urlencoded`
 * POST body, HMAC-SHA1 signature version 1.0 over both (client-wire.md §6.1). Written with node:crypto only,
 * so it checks edgesnap against the POP specification rather than against one library's quirks.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Body, Call, Credentials } from './clients.js';

/** RFC 3986 percent-encoding of UTF-8 bytes: only `A–Z a–z 0–9 - _ . ~` stay literal, hex in upper case. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `METHOD&%2F&percentEncode(sorted canonical query of all parameters)`, `Signature` excluded. */
export function stringToSign(method: string, params: Readonly<Record<string, string>>): string {
  const canonical = Object.keys(params).filter((k) => k !== 'Signature').sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`).join('&');
  return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

/** base64(HMAC-SHA1(secret + "&", StringToSign)). */
export function signV1(method: string, params: Readonly<Record<string, string>>, secret: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign(method, params)).digest('base64');
}

/** A form body as Go's `url.Values.Encode` writes it: spaces as `+`. */
function formEncode(params: Readonly<Record<string, string>>): string {
  return Object.entries(params).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v).replace(/%20/g, '+')}`).join('&');
}

/** A refused call: the HTTP status and the parsed error body, shaped like the Tea clients' errors. */
export class SignedFormError extends Error {
  constructor(readonly statusCode: number, readonly code: string, readonly data: Body) {
    super(`${code}: code: ${statusCode}, ${String(data.Message)} request id: ${String(data.RequestId)}`);
    this.name = 'SignedFormError';
  }
}

export interface SignedResponse {
  status: number;
  body: Body;
}

export interface SignedFormParts {
  method: 'POST';
  /** `/?<common parameters and Signature>` */
  path: string;
  headers: Record<string, string>;
  /** The business parameters, form-encoded. */
  body: string;
}

/** One signed request (fresh nonce and timestamp), ready for fetch or for autocannon's request object. */
export function signedFormParts(creds: Credentials, action: string,
  params: Readonly<Record<string, string>> = {}): SignedFormParts {
  const common: Record<string, string> = {
    Action: action,
    Format: 'json',
    Version: '2017-11-10',
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SignatureNonce: randomBytes(16).toString('hex'),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    AccessKeyId: creds.accessKeyId,
  };
  const Signature = signV1('POST', { ...common, ...params }, creds.accessKeySecret);
  return {
    method: 'POST',
    path: `/?${formEncode({ ...common, Signature })}`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-acs-action': action,
      'x-acs-version': '2017-11-10',
    },
    body: formEncode(params),
  };
}

/** Sends one signed request and returns status and JSON body whatever the status. */
export async function signedFormRequest(endpoint: string, creds: Credentials, action: string,
  params: Readonly<Record<string, string>> = {}): Promise<SignedResponse> {
  const { method, path, headers, body } = signedFormParts(creds, action, params);
  const res = await fetch(`http://${endpoint}${path}`, { method, headers, body });
  return { status: res.status, body: JSON.parse(await res.text()) as Body };
}

/**
 * The Terraform transport as a `Call`: throws a `SignedFormError` on HTTP 4xx/5xx, and, as Terraform's
 * `formatError` does, on a 200 whose body carries a `Code` other than 0/"success"/"ok"/"200" and a Message.
 */
export function signedFormClient(endpoint: string, creds: Credentials): Call {
  return async (action, params = {}) => {
    const { status, body } = await signedFormRequest(endpoint, creds, action, params);
    const code = body.Code;
    const okCode = code === undefined || code === 0 || ['0', 'success', 'ok', '200'].includes(String(code).toLowerCase());
    if (status >= 400 || (!okCode && body.Message)) throw new SignedFormError(status, String(code), body);
    return body;
  };
}
