/** The ENS API through the official client (openapi-core) and the admin API over fetch, for one running edgesnap. */
import { coreClient, type Body, type Call } from '../../support/clients.js';
import { TEST_CREDENTIALS } from '../../support/server.js';
import { ADMIN_TOKEN } from './process.js';

export const REGION = 'ch-zurich-1';
export const OTHER_REGION = 'cn-beijing-15';
const SETTLE_MS = 180_000;

export interface SnapshotRow {
  SnapshotId: string;
  Status: string;
  EnsRegionId: string;
  SourceDiskId?: string;
  SourceSnapshotId?: string;
}

export interface DiskRow {
  DiskId: string;
  Status: string;
  EnsRegionId: string;
  SnapshotId?: string;
}

export interface OrderRow {
  OrderId: string;
  AccountId: string;
  Action: string;
  ResourceType: string;
  ResourceId: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` answers a value, or throws naming `what`. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = SETTLE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export class Api {
  readonly call: Call;

  constructor(readonly endpoint: string) {
    this.call = coreClient(endpoint, TEST_CREDENTIALS);
  }

  async admin(method: string, path: string, body?: unknown): Promise<Body> {
    const res = await fetch(`http://${this.endpoint}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const parsed = JSON.parse(await res.text()) as Body;
    if (res.status >= 300) throw new Error(`admin ${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
    return parsed;
  }

  async snapshots(): Promise<SnapshotRow[]> {
    const rows: SnapshotRow[] = [];
    for (let page = 1; ; page++) {
      const res = await this.call('DescribeSnapshots', { PageNumber: String(page), PageSize: '100' });
      const items = res.Snapshots as SnapshotRow[];
      rows.push(...items);
      if (items.length < 100) return rows;
    }
  }

  async disks(): Promise<DiskRow[]> {
    const rows: DiskRow[] = [];
    for (let page = 1; ; page++) {
      const res = await this.call('DescribeDisks', { PageNumber: String(page), PageSize: '50' });
      const items = (res.Disks as { Disks: DiskRow[] }).Disks;
      rows.push(...items);
      if (items.length < 50) return rows;
    }
  }

  async snapshot(id: string): Promise<SnapshotRow | undefined> {
    return ((await this.call('DescribeSnapshots', { SnapshotId: id })).Snapshots as SnapshotRow[])[0];
  }

  async disk(id: string): Promise<DiskRow | undefined> {
    return ((await this.call('DescribeDisks', { DiskId: id })).Disks as { Disks: DiskRow[] }).Disks[0];
  }

  async orders(): Promise<OrderRow[]> {
    return (await this.admin('GET', '/orders')).Orders as OrderRow[];
  }

  /** A 20 GiB (sparse) cloud disk, blank or restored from a snapshot, once `Available`. */
  async createDisk(region = REGION, snapshotId?: string): Promise<string> {
    const res = await this.call('CreateDisk', {
      EnsRegionId: region, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid',
      ...(snapshotId ? { SnapshotId: snapshotId } : { Size: '20' }),
    });
    const id = (res.InstanceIds as string[])[0]!;
    await this.settledDisk(id);
    return id;
  }

  /** Waits until the disk is neither `Creating` nor `ReIniting`; answers its status. */
  async settledDisk(id: string): Promise<string> {
    return until(async () => {
      const status = (await this.disk(id))?.Status ?? 'absent';
      return status === 'Creating' || status === 'ReIniting' ? undefined : status;
    }, `disk ${id} to settle`);
  }

  /** Waits until the snapshot is no longer `creating`; answers its status (`absent` when it does not exist). */
  async settledSnapshot(id: string): Promise<string> {
    return until(async () => {
      const status = (await this.snapshot(id))?.Status ?? 'absent';
      return status === 'creating' ? undefined : status;
    }, `snapshot ${id} to settle`);
  }

  async createSnapshot(diskId: string, region = REGION): Promise<string> {
    const res = await this.call('CreateSnapshot', { EnsRegionId: region, DiskId: diskId });
    const ids = res.SnapShotId;
    return Array.isArray(ids) ? String(ids[0]) : String(ids);
  }
}
