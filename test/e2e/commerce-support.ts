/** Helpers of the commerce e2e tests: the admin API, disks through the official client, what exists. */
import assert from 'node:assert/strict';
import type { RunningEdgesnap } from '../../src/main.js';
import type { Body, Call } from '../support/clients.js';
import type { Failure } from '../support/failures.js';

export interface AdminAnswer {
  status: number;
  body: Body;
}

export function adminClient(server: RunningEdgesnap) {
  return async (method: string, path: string, body?: unknown): Promise<AdminAnswer> => {
    const res = await fetch(`http://${server.api.host}:${server.api.port}/admin/v1${path}`, {
      method, headers: { authorization: `Bearer ${server.adminToken}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };
}

export type Admin = ReturnType<typeof adminClient>;

/** Calls the admin API and asserts it succeeded. */
export async function adminOk(admin: Admin, method: string, path: string, body?: unknown): Promise<Body> {
  const res = await admin(method, path, body);
  assert.ok(res.status === 200 || res.status === 201, `${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export const spec = (code: string, message: string): Failure => ({ status: 400, code, message });

export const FROZEN = spec('AccountAliyunAccountFrozen', 'Alibaba Cloud account is frozen.');
export const ARREARS = spec('OrderArrearage', 'User Arrears.');
export const NO_REAL_NAME = spec('OrderNoRealNameAuthentication', 'No real-name authentication.');
export const BASIC_INFO = spec('BasicInfoUncompleted',
  'You have not completed your basic personal information. Please complete the information and re-operate it.');
export const QUOTA = spec('OrderQuotaExceeded', 'Quantity exceeds limit.');
export const NOT_SOLD = spec('SaleControlVerificationFailedRegion',
  'The node sales constraint verification failed, please re-select or contact the product.');
export const STOCK = spec('SaleControlVerificationFailedStock',
  'Inventory sales constraint verification failed, please re-match, or contact the product.');
export const LOCAL_DISK = spec('ProductInstanceTypeNotSupported', 'The instance type is not supported.');
export const RELEASED = spec('ProductInstanceReleased', 'Instance released.');
export const CONCURRENT = spec('SystemConcurrentOperate', 'Concurrent operation causes failure.');

/** A 1 GiB cloud disk through the official client. */
export async function createDisk(call: Call, region: string): Promise<string> {
  const res = await call('CreateDisk', { EnsRegionId: region, Category: 'cloud_efficiency', Size: '1', InstanceChargeType: 'PostPaid' });
  return (res.InstanceIds as string[])[0]!;
}

/** Every snapshot id the account sees and every order id of the account: what "nothing created" compares. */
export async function inventory(call: Call, admin: Admin, accountId: string): Promise<{ snapshots: string[]; orders: string[] }> {
  const snaps = (await call('DescribeSnapshots', { PageSize: '100' })).Snapshots as Body[];
  const orders = (await adminOk(admin, 'GET', `/orders?accountId=${accountId}`)).Orders as Body[];
  return { snapshots: snaps.map((s) => String(s.SnapshotId)).sort(), orders: orders.map((o) => String(o.OrderId)).sort() };
}
