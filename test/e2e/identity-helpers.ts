/** Shared by the identity end-to-end tests: the admin API over fetch, RAM set-up, the expected refusals. */
import type { RunningEdgesnap } from '../../src/main.js';
import type { Body, Credentials } from '../support/clients.js';
import type { Failure } from '../support/failures.js';

export interface AdminAnswer {
  status: number;
  body: Body;
}

export type AdminCall = (method: string, path: string, body?: unknown) => Promise<AdminAnswer>;

export function adminClient(server: RunningEdgesnap): AdminCall {
  return async (method, path, body) => {
    const res = await fetch(`http://${server.api.host}:${server.api.port}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${server.adminToken}` },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };
}

export const adminFailure = (a: AdminAnswer): Failure => ({
  status: a.status, code: a.body.Code as string, message: a.body.Message as string,
});

export const endpointOf = (server: RunningEdgesnap): string => `${server.api.host}:${server.api.port}`;

/** Admin answers must never carry an AccessKeySecret or SecurityToken except where one is created. */
export function secretsIn(value: unknown): string[] {
  const text = JSON.stringify(value);
  return [...text.matchAll(/"(AccessKeySecret|SecurityToken|secret)"/g)].map((m) => m[1]!);
}

/** A RAM user of `accountId` with one AccessKey and the policy `document` (if any) attached. */
export async function ramUser(admin: AdminCall, accountId: string, name: string, document?: unknown):
  Promise<{ userId: string; creds: Credentials }> {
  const user = await admin('POST', `/accounts/${accountId}/users`, { name });
  if (user.status !== 201) throw new Error(`user: ${JSON.stringify(user.body)}`);
  const userId = (user.body.User as Body).UserId as string;
  if (document !== undefined) {
    const made = await admin('POST', `/accounts/${accountId}/policies`, { name: `${name}-policy`, document });
    if (made.status !== 201) throw new Error(`policy: ${JSON.stringify(made.body)}`);
    const attached = await admin('POST', `/users/${userId}/policies/${name}-policy`);
    if (attached.status !== 200) throw new Error(`attach: ${JSON.stringify(attached.body)}`);
  }
  const key = await admin('POST', `/users/${userId}/keys`);
  const k = key.body.AccessKey as Body;
  return { userId, creds: { accessKeyId: k.AccessKeyId as string, accessKeySecret: k.AccessKeySecret as string } };
}

export const allow = (action: string | string[], resource: string | string[] = '*'): unknown => ({
  Version: '1', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }],
});

export const NO_PERMISSION: Failure = { status: 400, code: 'NoPermission', message: 'Permission denied.' };
export const KEY_NOT_FOUND: Failure = { status: 404, code: 'InvalidAccessKeyId.NotFound', message: 'Specified access key is not found.' };
export const KEY_INACTIVE: Failure = { status: 400, code: 'InvalidAccessKeyId.Inactive', message: 'Specified access key is disabled.' };
export const TOKEN_EXPIRED: Failure = { status: 400, code: 'InvalidSecurityToken.Expired', message: 'Specified SecurityToken is expired.' };
export const TOKEN_MALFORMED: Failure = {
  status: 400, code: 'InvalidSecurityToken.Malformed', message: 'Specified SecurityToken is malformed.',
};
export const TOKEN_MISMATCH: Failure = {
  status: 400, code: 'InvalidSecurityToken.MismatchWithAccessKey', message: 'Specified SecurityToken mismatch with the AccessKey.',
};
export const TOKEN_MISSING: Failure = {
  status: 400, code: 'MissingSecurityToken', message: 'SecurityToken is mandatory for this action.',
};
