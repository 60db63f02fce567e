/**
 * What goes on the wire: the success body (RequestId first, then the action's
 * fields) and the error envelope `{RequestId, HostId, Code, Message,
 * Recommend}`, as JSON (always, unless Format=XML was asked for).
 */
import type { ApiError } from '../kernel/errors.js';

export type ResponseFormat = 'JSON' | 'XML';

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = 'application/json;charset=utf-8';
const XML_TYPE = 'text/xml;charset=utf-8';

export function successResponse(action: string, requestId: string, result: Record<string, unknown>,
  format: ResponseFormat): WireResponse {
  const body = { RequestId: requestId, ...result };
  return {
    status: 200,
    headers: { 'content-type': format === 'XML' ? XML_TYPE : JSON_TYPE, 'x-acs-request-id': requestId },
    body: format === 'XML' ? toXml(`${action}Response`, body) : JSON.stringify(body),
  };
}

export function errorResponse(err: ApiError, requestId: string, hostId: string, format: ResponseFormat): WireResponse {
  const body = {
    RequestId: requestId,
    HostId: hostId,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=Ens`,
  };
  return {
    status: err.status,
    headers: {
      'content-type': format === 'XML' ? XML_TYPE : JSON_TYPE,
      'x-acs-request-id': requestId,
      ...err.headers,
    },
    body: format === 'XML' ? toXml('Error', body) : JSON.stringify(body),
  };
}

/** Alibaba's XML form: an element per field, arrays as repeated elements of the array's name. */
export function toXml(root: string, value: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${root}>${fields(value)}</${root}>`;
}

function fields(value: Record<string, unknown>): string {
  return Object.entries(value).map(([k, v]) => element(k, v)).join('');
}

function element(name: string, v: unknown): string {
  if (Array.isArray(v)) return v.map((item) => element(name, item)).join('');
  if (v !== null && typeof v === 'object') return `<${name}>${fields(v as Record<string, unknown>)}</${name}>`;
  return `<${name}>${escapeXml(String(v ?? ''))}</${name}>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}
