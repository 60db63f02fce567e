/** Row → record mappers of the SQLite store (snake_case columns to camelCase records). */
import type {
  AccessKeyRecord, DiskRecord, InstanceRecord, JobRecord, OrderRecord, SnapshotRecord, TagRecord,
} from '../records.js';

export type Row = Record<string, unknown>;

const str = (v: unknown): string => String(v ?? '');
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function keyFromRow(r: Row): AccessKeyRecord {
  return {
    id: str(r.id), accountId: str(r.account_id), secret: str(r.secret),
    status: str(r.status) as AccessKeyRecord['status'], createdAt: num(r.created_at),
    userId: str(r.user_id ?? ''),
  };
}

export function diskFromRow(r: Row): DiskRecord {
  return {
    id: str(r.id), accountId: str(r.account_id), regionId: str(r.region_id), name: str(r.name),
    description: str(r.description), category: str(r.category) as DiskRecord['category'],
    sizeBytes: num(r.size_bytes), status: str(r.status) as DiskRecord['status'],
    diskType: str(r.disk_type) as DiskRecord['diskType'], chargeType: str(r.charge_type),
    sourceSnapshotId: str(r.source_snapshot_id), instanceId: str(r.instance_id),
    deleteWithInstance: num(r.delete_with_instance) === 1, createdAt: num(r.created_at), deletedAt: numOrNull(r.deleted_at),
  };
}

export function instanceFromRow(r: Row): InstanceRecord {
  return {
    id: str(r.id), accountId: str(r.account_id), regionId: str(r.region_id), name: str(r.name),
    status: str(r.status) as InstanceRecord['status'], createdAt: num(r.created_at), deletedAt: numOrNull(r.deleted_at),
  };
}

export function snapshotFromRow(r: Row): SnapshotRecord {
  return {
    id: str(r.id), accountId: str(r.account_id), regionId: str(r.region_id), diskId: str(r.disk_id),
    diskCategory: str(r.disk_category) as SnapshotRecord['diskCategory'],
    diskType: str(r.disk_type) as SnapshotRecord['diskType'], name: str(r.name), description: str(r.description),
    status: str(r.status) as SnapshotRecord['status'], sizeBytes: num(r.size_bytes), orderId: str(r.order_id),
    error: str(r.error), sourceSnapshotId: str(r.source_snapshot_id), sourceRegionId: str(r.source_region_id),
    createdAt: num(r.created_at), deletedAt: numOrNull(r.deleted_at),
  };
}

export function orderFromRow(r: Row): OrderRecord {
  return {
    id: str(r.id), accountId: str(r.account_id), action: str(r.action),
    resourceType: str(r.resource_type) as OrderRecord['resourceType'], resourceId: str(r.resource_id),
    regionId: str(r.region_id), chargeType: 'PostPaid', createdAt: num(r.created_at),
  };
}

export function jobFromRow(r: Row): JobRecord {
  return {
    id: str(r.id), type: str(r.type), payload: JSON.parse(str(r.payload)) as Record<string, unknown>,
    status: str(r.status) as JobRecord['status'], attempts: num(r.attempts), maxAttempts: num(r.max_attempts),
    runAfter: num(r.run_after), leaseOwner: r.lease_owner === null ? null : str(r.lease_owner),
    leaseExpiresAt: numOrNull(r.lease_expires_at), lastError: str(r.last_error), createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function tagFromRow(r: Row): TagRecord {
  return {
    accountId: str(r.account_id), resourceType: str(r.resource_type), resourceId: str(r.resource_id),
    key: str(r.tag_key), value: str(r.tag_value),
  };
}
