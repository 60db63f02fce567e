// HMAC-SHA1 signature version 1.0 the way Terraform's alicloud provider signs (common parameters and Signature in
// the query, business parameters in a form body): the test suite's signer (test/support/signed-form.ts), loaded
// from the compiled tree the load run uses. Every call makes a fresh SignatureNonce and Timestamp, so each
// request autocannon sends passes the replay guard.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const buildDir = resolve(import.meta.dirname, '../..', process.env.EDGESNAP_BUILD ?? 'dist');
const { signedFormParts } = await import(pathToFileURL(resolve(buildDir, 'test/support/signed-form.js')).href);

export const CREDENTIALS = {
  accessKeyId: 'LTAI5tLOADrootKey0000001',
  accessKeySecret: 'LOADsecretKEY0123456789abcdefXY',
};

/** `{ method, path, headers, body }` of one signed POST, ready for fetch or for autocannon's request object. */
export function signedRequest(action, params = {}, creds = CREDENTIALS) {
  return signedFormParts(creds, action, params);
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
