/**
 * The metadata store port. Every read and write happens inside `transaction`,
 * which is serialisable: the invariants (one `creating` snapshot per disk, one
 * order per snapshot, one lease per job) are checked and written in one
 * transaction. Do no I/O other than the store inside a transaction.
 */
import type {
  AccessKeyRecord, AccountRecord, DiskRecord, DiskStatus, InstanceRecord, JobRecord, OrderRecord, Page,
  RamPolicyRecord, RamUserRecord, SnapshotRecord, SnapshotStatus, StsCredentialRecord, TagRecord, ThrottleLimitsRecord,
} from './records.js';
import type { CommerceTx } from './commerce-store.js';

export interface DiskFilter {
  accountId: string;
  regionIds?: readonly string[];
  diskIds?: readonly string[];
  name?: string;
  category?: string;
  status?: string;
  diskType?: '1' | '2';
  sourceSnapshotId?: string;
  /** Disks attached (or attaching/detaching) to this instance. */
  instanceId?: string;
  offset: number;
  limit: number;
}

/** Instances that are not deleted, in creation order; `accountId` undefined = every account (the admin API). */
export interface InstanceFilter {
  accountId?: string;
  regionIds?: readonly string[];
  instanceIds?: readonly string[];
}

export interface SnapshotFilter {
  accountId: string;
  regionIds?: readonly string[];
  snapshotIds?: readonly string[];
  diskId?: string;
  /** Snapshots taken of the disks now attached to this instance (not copies made elsewhere). */
  instanceId?: string;
  name?: string;
  offset: number;
  limit: number;
}

export interface TagFilter {
  accountId: string;
  resourceType: string;
  resourceIds?: readonly string[];
  /** Rows matching any of these: the key, and the value too when given. */
  tags?: readonly { key: string; value?: string }[];
  /** Keyset paging: only rows after this one in (resourceId, key) order. */
  after?: { resourceId: string; key: string };
  limit?: number;
}

export type DiskPatch = Partial<Pick<DiskRecord,
  'status' | 'name' | 'description' | 'sizeBytes' | 'deletedAt' | 'instanceId' | 'deleteWithInstance'>>;
export type InstancePatch = Partial<Pick<InstanceRecord, 'status' | 'name' | 'deletedAt'>>;
export type SnapshotPatch = Partial<Pick<SnapshotRecord, 'status' | 'name' | 'description' | 'error' | 'deletedAt'>>;

export interface NewJob {
  id: string;
  type: string;
  payload: Record<string, unknown>;
  maxAttempts: number;
  runAfter: number;
}

export interface MetadataTx {
  /** Billing profiles, quotas, sale control, prices, metering, ledger (commerce-store.ts). */
  readonly commerce: CommerceTx;
  insertAccount(account: AccountRecord): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | undefined>;
  insertAccessKey(key: AccessKeyRecord): Promise<void>;
  getAccessKey(id: string): Promise<AccessKeyRecord | undefined>;
  listAccessKeys(accountId: string): Promise<AccessKeyRecord[]>;
  setAccessKeyStatus(id: string, status: AccessKeyRecord['status']): Promise<void>;

  // Identity (migration 6). `listAccessKeys` answers an account's own keys; a RAM user's are `listUserKeys`.
  listAccounts(): Promise<AccountRecord[]>;
  /** Marks it deleted (getAccount no longer finds it) and removes its keys, RAM users, policies, STS credentials. */
  deleteAccount(id: string, now: number): Promise<void>;
  /** Live disks, snapshots and instances the account owns. */
  countOwned(accountId: string): Promise<number>;
  /** false when there was no such key. */
  deleteAccessKey(id: string): Promise<boolean>;
  listUserKeys(userId: string): Promise<AccessKeyRecord[]>;
  insertRamUser(user: RamUserRecord): Promise<void>;
  getRamUser(id: string): Promise<RamUserRecord | undefined>;
  listRamUsers(accountId: string): Promise<RamUserRecord[]>;
  setRamUserStatus(id: string, status: RamUserRecord['status']): Promise<void>;
  /** Removes the user with its keys, STS credentials and policy attachments. */
  deleteRamUser(id: string): Promise<void>;
  insertPolicy(policy: RamPolicyRecord): Promise<void>;
  getPolicyByName(accountId: string, name: string): Promise<RamPolicyRecord | undefined>;
  listPolicies(accountId: string): Promise<RamPolicyRecord[]>;
  deletePolicy(id: string): Promise<void>;
  /** false when it was attached already. */
  attachPolicy(userId: string, policyId: string): Promise<boolean>;
  /** false when it was not attached. */
  detachPolicy(userId: string, policyId: string): Promise<boolean>;
  userPolicies(userId: string): Promise<RamPolicyRecord[]>;
  countAttachments(policyId: string): Promise<number>;
  insertStsCredential(credential: StsCredentialRecord): Promise<void>;
  getStsCredential(id: string): Promise<StsCredentialRecord | undefined>;

  insertDisk(disk: DiskRecord): Promise<void>;
  /** A disk that is not deleted; `accountId` scopes it (undefined = any account, for jobs). */
  getDisk(id: string, accountId?: string): Promise<DiskRecord | undefined>;
  updateDisk(id: string, patch: DiskPatch): Promise<void>;
  listDisks(filter: DiskFilter): Promise<Page<DiskRecord>>;
  countDisks(where: { sourceSnapshotId: string; status?: DiskStatus }): Promise<number>;

  insertInstance(instance: InstanceRecord): Promise<void>;
  /** An instance that is not deleted; `accountId` scopes it (undefined = any account). */
  getInstance(id: string, accountId?: string): Promise<InstanceRecord | undefined>;
  listInstances(filter: InstanceFilter): Promise<InstanceRecord[]>;
  updateInstance(id: string, patch: InstancePatch): Promise<void>;

  insertSnapshot(snapshot: SnapshotRecord): Promise<void>;
  getSnapshot(id: string, accountId?: string): Promise<SnapshotRecord | undefined>;
  updateSnapshot(id: string, patch: SnapshotPatch): Promise<void>;
  listSnapshots(filter: SnapshotFilter): Promise<Page<SnapshotRecord>>;
  /** Snapshots taken of the disk itself (copies made by CopySnapshot are not counted). */
  countSnapshots(where: { diskId: string; status?: SnapshotStatus }): Promise<number>;
  /** Copies made from the snapshot by CopySnapshot. */
  countCopies(where: { sourceSnapshotId: string; status?: SnapshotStatus }): Promise<number>;

  /** Sets tags: a (resourceType, resourceId, key) already present gets the new value. */
  putTags(tags: readonly TagRecord[]): Promise<void>;
  /** Removes the resource's tags with these keys, or all of them when `keys` is undefined; returns how many. */
  deleteTags(resourceType: string, resourceId: string, keys?: readonly string[]): Promise<number>;
  /** Tags in (resourceId, key) order. */
  listTags(filter: TagFilter): Promise<TagRecord[]>;

  insertOrder(order: OrderRecord): Promise<void>;
  getOrder(id: string): Promise<OrderRecord | undefined>;
  listOrders(accountId: string): Promise<OrderRecord[]>;

  enqueueJob(job: NewJob, now: number): Promise<void>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** Leases the next runnable job: queued and due, or running with an expired lease. */
  claimJob(owner: string, now: number, leaseMs: number): Promise<JobRecord | undefined>;
  renewLease(id: string, owner: string, now: number, leaseMs: number): Promise<boolean>;
  completeJob(id: string, owner: string, now: number): Promise<void>;
  /** Records a failed attempt: back to `queued` at `retryAt`, or `failed` when retryAt is null. */
  failJob(id: string, owner: string, error: string, retryAt: number | null, now: number): Promise<void>;
  /** Drops every lease (the embedded server owns its data directory exclusively). */
  releaseAllLeases(now: number): Promise<number>;
  listJobs(status?: JobRecord['status']): Promise<JobRecord[]>;

  // Operator (migration 8; sqlite-operator.ts).
  /** Sets an account's throttle limits (replacing any it had). */
  putThrottleLimits(limits: ThrottleLimitsRecord): Promise<void>;
  /** false when the account had none. */
  deleteThrottleLimits(accountId: string): Promise<boolean>;
  listThrottleLimits(): Promise<ThrottleLimitsRecord[]>;
  /** Reset-all-state: removes every row but the root account and its own AccessKeys; rows removed per table. */
  resetAll(rootAccountId: string): Promise<Record<string, number>>;
}

export interface MetadataStore {
  /** Applies pending migrations; returns the schema version. */
  migrate(): Promise<number>;
  transaction<T>(fn: (tx: MetadataTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Thrown by a store when a uniqueness invariant would break (e.g. two `creating` snapshots of one disk). */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}
