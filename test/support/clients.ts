/**
 * The official Alibaba Cloud clients, set up the way real code sets them up,
 * pointed at a local edgesnap. Each returns the parsed response body and
 * throws the library's own error on failure.
 */
import OpenApiCoreModule, { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import OpenApiClientModule, * as $OpenApiClient from '@alicloud/openapi-client';
import * as $TeaUtil from '@alicloud/tea-util';
import RPCClient from '@alicloud/pop-core';

// Both are CommonJS modules whose class is `exports.default`; Node's ESM import gives the whole module.
const OpenApiCore = OpenApiCoreModule.default;
const OpenApiClient = OpenApiClientModule.default;

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

export type Body = Record<string, unknown>;
export type Call = (action: string, params?: Record<string, string>) => Promise<Body>;

/** openapi-core (what the generated ENS SDK runs on): ACS3-HMAC-SHA256, parameters in the query of a POST. */
export function coreClient(endpoint: string, creds: Credentials, method: 'POST' | 'GET' = 'POST'): Call {
  const client = new OpenApiCore(new $OpenApiUtil.Config({ ...creds, endpoint, protocol: 'http' }));
  return async (action, params = {}) => {
    const res = await client.callApi(
      new $OpenApiUtil.Params({
        action, version: '2017-11-10', protocol: 'HTTP', pathname: '/', method, authType: 'AK', style: 'RPC',
        reqBodyType: 'formData', bodyType: 'json',
      }),
      new $OpenApiUtil.OpenApiRequest({ query: params }),
      new $dara.RuntimeOptions({}),
    );
    return res.body as Body;
  };
}

/** openapi-client (Tea v1), default ACS3 signing; `placement: 'body'` sends a chunked form body. */
export function teaClient(endpoint: string, creds: Credentials, placement: 'query' | 'body' = 'query',
  signatureAlgorithm?: 'v2'): Call {
  const client = new OpenApiClient(new $OpenApiClient.Config({ ...creds, endpoint, protocol: 'http', signatureAlgorithm }));
  return async (action, params = {}) => {
    const res = await client.callApi(
      new $OpenApiClient.Params({
        action, version: '2017-11-10', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC',
        reqBodyType: 'formData', bodyType: 'json',
      }),
      new $OpenApiClient.OpenApiRequest(placement === 'query' ? { query: params } : { body: params }),
      new $TeaUtil.RuntimeOptions({}),
    );
    return res.body as Body;
  };
}

/** pop-core (HMAC-SHA1): GET with everything in the query, or POST with everything in a form body. */
export function popClient(endpoint: string, creds: Credentials, method: 'GET' | 'POST' = 'GET'): Call {
  const client = new RPCClient({ ...creds, endpoint: `http://${endpoint}`, apiVersion: '2017-11-10' });
  return async (action, params = {}) => client.request<Body>(action, params, { method, timeout: 60_000 });
}
