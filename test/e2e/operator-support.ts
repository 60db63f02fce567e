/** Helpers of the operator e2e tests: the admin API over fetch, and small ENS calls. */
import assert from 'node:assert/strict';
import type { RunningEdgesnap } from '../../src/main.js';
import type { Body, Call } from '../support/clients.js';

export const REGION = 'cn-shenzhen-3';
export const OTHER_REGION = 'cn-beijing-15';

export interface AdminAnswer {
  status: number;
  body: Body;
}

/** Calls `/admin/v1<path>` of `server` with its token. */
export async function admin(server: RunningEdgesnap, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
  const res = await fetch(`http://${server.api.host}:${server.api.port}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminToken}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

/** Like `admin`, asserting the status. */
export async function adminOk(server: RunningEdgesnap, method: string, path: string, body?: unknown, status = 200):
  Promise<Body> {
  const res = await admin(server, method, path, body);
  assert.equal(res.status, status, JSON.stringify(res.body));
  return res.body;
}

export async function createDisk(call: Call, regionId = REGION): Promise<string> {
  const res = await call('CreateDisk', { EnsRegionId: regionId, Category: 'cloud_efficiency', Size: '1', InstanceChargeType: 'PostPaid' });
  return (res.InstanceIds as string[])[0]!;
}

export async function diskStatus(call: Call, diskId: string): Promise<unknown> {
  return ((await call('DescribeDisks', { DiskId: diskId })).Disks as { Disks: Body[] }).Disks[0]?.Status;
}

export async function snapshotStatus(call: Call, snapshotId: string): Promise<unknown> {
  return ((await call('DescribeSnapshots', { SnapshotId: snapshotId })).Snapshots as Body[])[0]?.Status;
}
