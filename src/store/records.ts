/**
 * The rows of the metadata store, as the services see them. Times are epoch
 * milliseconds; sizes are bytes. Status vocabularies follow ENS (see docs/api.md).
 */
export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccountRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
}

export interface AccessKeyRecord {
  readonly id: string;
  readonly accountId: string;
  readonly secret: string;
  readonly status: AccessKeyStatus;
  readonly createdAt: number;
  /** The RAM user owning the key; absent or '' for the account's own (root) key. */
  readonly userId?: string;
}

/** A RAM user under an account: its requests are authorized by the policies attached to it. */
export interface RamUserRecord {
  /** Numeric, 16 digits, as RAM user ids are. */
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly status: AccessKeyStatus;
  readonly createdAt: number;
}

/** A custom policy of an account; `document` is the JSON text as given (validated when created). */
export interface RamPolicyRecord {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly document: string;
  readonly createdAt: number;
}

/** Temporary credentials issued for a RAM user (STS-style); the token is kept as its SHA-256 (hex) only. */
export interface StsCredentialRecord {
  /** `STS.…` */
  readonly id: string;
  readonly accountId: string;
  readonly userId: string;
  readonly secret: string;
  readonly tokenSha256: string;
  readonly expiresAt: number;
  readonly createdAt: number;
}

/** ENS disk states; `Failed` is edgesnap's own for a disk whose restore could not complete. */
export type DiskStatus = 'Creating' | 'Available' | 'In-use' | 'Attaching' | 'Detaching' | 'ReIniting' | 'Deleting' | 'Deleted'
  | 'Failed';
export type DiskCategory = 'cloud_efficiency' | 'cloud_ssd' | 'local_hdd' | 'local_ssd';

export interface DiskRecord {
  readonly id: string;
  readonly accountId: string;
  readonly regionId: string;
  readonly name: string;
  readonly description: string;
  readonly category: DiskCategory;
  readonly sizeBytes: number;
  readonly status: DiskStatus;
  /** `"1"` system disk, `"2"` data disk, as ENS answers. */
  readonly diskType: '1' | '2';
  readonly chargeType: string;
  readonly sourceSnapshotId: string;
  /** The instance the disk is attached to (or attaching to / detaching from); `''` when none. */
  readonly instanceId: string;
  /** AttachDisk's `DeleteWithInstance`; false when not attached. */
  readonly deleteWithInstance: boolean;
  readonly createdAt: number;
  readonly deletedAt: number | null;
}

/** An instance is only what disks need of one: an operator-registered consumer of disks (a VM on an edge node). */
export type InstanceStatus = 'Running' | 'Stopped';

export interface InstanceRecord {
  /** `i-…` */
  readonly id: string;
  readonly accountId: string;
  readonly regionId: string;
  readonly name: string;
  readonly status: InstanceStatus;
  readonly createdAt: number;
  readonly deletedAt: number | null;
}

export type SnapshotStatus = 'creating' | 'available' | 'error' | 'deleting' | 'deleted';

export interface SnapshotRecord {
  readonly id: string;
  readonly accountId: string;
  readonly regionId: string;
  readonly diskId: string;
  readonly diskCategory: DiskCategory;
  readonly diskType: '1' | '2';
  readonly name: string;
  readonly description: string;
  readonly status: SnapshotStatus;
  /** The source disk's size at the instant of the snapshot. */
  readonly sizeBytes: number;
  readonly orderId: string;
  readonly error: string;
  /** For a copy made by CopySnapshot: the snapshot and region it was copied from; '' otherwise. */
  readonly sourceSnapshotId: string;
  readonly sourceRegionId: string;
  readonly createdAt: number;
  readonly deletedAt: number | null;
}

export interface OrderRecord {
  readonly id: string;
  readonly accountId: string;
  /** The API action that placed the order, e.g. `CreateSnapshot`. */
  readonly action: string;
  readonly resourceType: 'snapshot' | 'disk';
  readonly resourceId: string;
  readonly regionId: string;
  readonly chargeType: 'PostPaid';
  readonly createdAt: number;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobRecord {
  readonly id: string;
  readonly type: string;
  /** JSON-serialisable payload the handler interprets. */
  readonly payload: Record<string, unknown>;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAfter: number;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  readonly lastError: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One tag of a resource; a resource holds each key once. */
export interface TagRecord {
  readonly accountId: string;
  /** `disk` (the only taggable resource so far). */
  readonly resourceType: string;
  readonly resourceId: string;
  readonly key: string;
  readonly value: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

/** An account's request-rate limits (issue #4, operator): a default for every action, and overrides by action. */
export interface ThrottleLimitsRecord {
  readonly accountId: string;
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Per action name (`CreateSnapshot`): its own limit instead of the account's. */
  readonly actions: Readonly<Record<string, { ratePerSecond: number; burst: number }>>;
  readonly updatedAt: number;
}

export type * from './commerce-records.js';
