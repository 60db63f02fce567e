// HMAC-SHA1 signature version 1.0 (client-wire.md §6.1), the way Terraform's alicloud provider signs: common
// parameters and Signature in the query, business parameters in a form body. node:crypto only. Every call makes a
// fresh SignatureNonce and Timestamp, so each request autocannon sends passes the replay guard.
import { createHmac, randomBytes } from 'node:crypto';

export const CREDENTIALS = {
  accessKeyId: 'LTAI5tLOADrootKey0000001',
  accessKeySecret: 'LOADsecretKEY0123456789abcdefXY',
};

/** RFC 3986: only A–Z a–z 0–9 - _ . ~ literal, hex in upper case. */
export function percentEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const encodePairs = (params) => Object.entries(params).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');

function signature(method, params, secret) {
  const canonical = Object.keys(params).sort().map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`).join('&');
  const toSign = `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
  return createHmac('sha1', `${secret}&`).update(toSign).digest('base64');
}

/** `{ method, path, headers, body }` of one signed POST, ready for fetch or for autocannon's request object. */
export function signedRequest(action, params = {}, creds = CREDENTIALS) {
  const common = {
    Action: action,
    Format: 'json',
    Version: '2017-11-10',
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SignatureNonce: randomBytes(16).toString('hex'),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    AccessKeyId: creds.accessKeyId,
  };
  const Signature = signature('POST', { ...common, ...params }, creds.accessKeySecret);
  return {
    method: 'POST',
    path: `/?${encodePairs({ ...common, Signature })}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-acs-action': action, 'x-acs-version': '2017-11-10' },
    body: encodePairs(params),
  };
}

/** One signed call with fetch; answers `{ status, body }` whatever the status. */
export async function call(endpoint, action, params = {}) {
  const { method, path, headers, body } = signedRequest(action, params);
  const res = await fetch(`http://${endpoint}${path}`, { method, headers, body });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

/** Like `call`, but throws unless the answer is 2xx. */
export async function mustCall(endpoint, action, params = {}) {
  const res = await call(endpoint, action, params);
  if (res.status >= 300) throw new Error(`${action} ${JSON.stringify(params)}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
