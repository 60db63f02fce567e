/**
 * Test support (imported only by *.test.ts): the 33 captured signed requests
 * of test/fixtures/alibaba-signed-requests.json as `RawHttpRequest`s.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../kernel/errors.js';
import type { RawHttpRequest } from './raw-request.js';

export interface Vector {
  variant: string;
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
}

interface Fixture {
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  requests: Vector[];
}

export const fixture: Fixture = JSON.parse(
  readFileSync(path.join(process.cwd(), 'test/fixtures/alibaba-signed-requests.json'), 'utf8'),
) as Fixture;

export const CREDENTIALS = fixture.credentials;
export const VECTORS: readonly Vector[] = fixture.requests;

export function vector(variant: string): Vector {
  const v = VECTORS.find((r) => r.variant === variant);
  if (v === undefined) throw new Error(`no vector ${variant}`);
  return v;
}

/** The vector as Node would present it: lower-cased header names. */
export function toRaw(v: Vector): RawHttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of v.headers) headers[name.toLowerCase()] = value;
  return { method: v.method, url: v.url, headers, body: Buffer.from(v.body, 'utf8') };
}

/** A copy of the vector's raw request with some changes applied. */
export function rawWith(variant: string, change: (raw: RawHttpRequest) => void): RawHttpRequest {
  const raw = toRaw(vector(variant));
  change(raw);
  return raw;
}

export const TRICKY_NAME = "snap name*~!'()+/&=:中文";
export const TRICKY_DESCRIPTION = 'a b+c%20d';

/** The business parameters each vector was sent with (from the capture scripts). */
export function expectedParams(variant: string): Record<string, string> {
  const tricky = variant.includes('tricky');
  const params: Record<string, string> = {
    DiskId: 'd-5xyzfakediskid0001',
    EnsRegionId: 'cn-hangzhou-telecom',
    SnapshotName: tricky ? TRICKY_NAME : 'my-snapshot',
    Description: tricky ? TRICKY_DESCRIPTION : variant.includes('empty') ? '' : 'test snapshot',
  };
  if (variant === 'ecs-generated-sdk') delete params.EnsRegionId; // the ECS model has no EnsRegionId
  return params;
}

/** ENS 2017-11-10, except the real generated ECS SDK used as a cross-check. */
export function expectedVersion(variant: string): string {
  return variant === 'ecs-generated-sdk' ? '2014-05-26' : '2017-11-10';
}

/** The scheme each variant uses, from its name (not from the parser). */
export function expectedScheme(variant: string): string {
  if (variant.startsWith('oc-sm3')) return 'ACS3-HMAC-SM3';
  if (variant.startsWith('oc-v4')) return 'ACS4-HMAC-SHA256';
  if (variant.includes('-v3-') || variant === 'ecs-generated-sdk') return 'ACS3-HMAC-SHA256';
  if (variant.includes('-v2-') || variant.startsWith('pop-')) return 'HMAC-SHA1';
  throw new Error(`unclassified variant ${variant}`);
}

/**
 * Replaces (or with `null` removes) the raw `key=value` piece of a query or
 * form text; `newRaw` is inserted as wire text, not encoded.
 */
export function editParam(text: string, key: string, newRaw: string | null): string {
  const re = new RegExp(`(^|[?&])${key}=[^&]*`);
  if (!re.test(text)) throw new Error(`no ${key} in ${text}`);
  return text.replace(re, (_m, sep: string) => (newRaw === null ? (sep === '?' ? '?' : '') : `${sep}${key}=${newRaw}`))
    .replace('?&', '?');
}

/** Edits a parameter wherever the vector carries it (query first, else body). */
export function editParamAnywhere(raw: RawHttpRequest, key: string, newRaw: string | null): void {
  if (new RegExp(`[?&]${key}=`).test(raw.url)) raw.url = editParam(raw.url, key, newRaw);
  else raw.body = Buffer.from(editParam(raw.body.toString('utf8'), key, newRaw), 'utf8');
}

/** Asserts `fn` throws an ApiError with exactly this code, status and message. */
export function assertApiError(fn: () => unknown, code: string, status: number, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError, `not an ApiError: ${String(err)}`);
    assert.deepStrictEqual({ code: err.code, status: err.status, message: err.message }, { code, status, message });
    return true;
  });
}
