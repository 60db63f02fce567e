/** Sample rows and the factory type the shared store suites use (kept apart so the suites do not import each other). */
import type { MetadataStore } from '../metadata-store.js';
import type { DiskRecord, InstanceRecord, SnapshotRecord } from '../records.js';

export type StoreFactory = () => Promise<{ store: MetadataStore; cleanup: () => Promise<void> }>;

export const T0 = 1_764_000_000_000;

export function sampleDisk(id: string, over: Partial<DiskRecord> = {}): DiskRecord {
  return {
    id, accountId: 'acc-1', regionId: 'cn-hangzhou-telecom', name: '', description: '', category: 'cloud_ssd',
    sizeBytes: 20 * 2 ** 30, status: 'Available', diskType: '2', chargeType: 'postpay', sourceSnapshotId: '',
    instanceId: '', deleteWithInstance: false, createdAt: T0, deletedAt: null, ...over,
  };
}

export function sampleInstance(id: string, over: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    id, accountId: 'acc-1', regionId: 'cn-hangzhou-telecom', name: '', status: 'Running', createdAt: T0,
    deletedAt: null, ...over,
  };
}

export function sampleSnapshot(id: string, over: Partial<SnapshotRecord> = {}): SnapshotRecord {
  return {
    id, accountId: 'acc-1', regionId: 'cn-hangzhou-telecom', diskId: 'd-1', diskCategory: 'cloud_ssd', diskType: '2',
    name: '', description: '', status: 'creating', sizeBytes: 2 ** 30, orderId: `o-${id}`, error: '',
    sourceSnapshotId: '', sourceRegionId: '', createdAt: T0, deletedAt: null, ...over,
  };
}

