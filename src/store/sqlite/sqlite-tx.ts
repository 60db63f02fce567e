/**
 * The typed statements of the SQLite store, one method per MetadataTx call.
 * All SQL of the store lives here and in migrations.ts.
 */
import type Database from 'better-sqlite3';
import {
  StoreConflictError, type DiskFilter, type DiskPatch, type InstanceFilter, type InstancePatch, type MetadataTx,
  type NewJob, type SnapshotFilter, type SnapshotPatch, type TagFilter,
} from '../metadata-store.js';
import type {
  AccessKeyRecord, AccountRecord, DiskRecord, DiskStatus, InstanceRecord, JobRecord, OrderRecord, Page,
  RamPolicyRecord, RamUserRecord, SnapshotRecord, SnapshotStatus, StsCredentialRecord, TagRecord, ThrottleLimitsRecord,
} from '../records.js';
import { SqliteIdentity } from './sqlite-identity.js';
import { SqliteInstances } from './sqlite-instances.js';
import { SqliteJobs } from './sqlite-jobs.js';
import { SqliteCommerce } from './sqlite-commerce.js';
import { SqliteOperator } from './sqlite-operator.js';
import { SqliteTags } from './sqlite-tags.js';
import { addEq, addIn } from './sql-filters.js';
import { diskFromRow, keyFromRow, orderFromRow, snapshotFromRow, type Row } from './rows.js';

type Params = Record<string, unknown>;

export class SqliteTx implements MetadataTx {
  private readonly cache = new Map<string, Database.Statement>();
  private readonly tags = new SqliteTags((sql) => this.stmt(sql));
  private readonly instances = new SqliteInstances((sql) => this.stmt(sql));
  readonly commerce = new SqliteCommerce((sql) => this.stmt(sql));
  private readonly identity = new SqliteIdentity((sql) => this.stmt(sql));
  private readonly operator = new SqliteOperator(() => this.db, (sql) => this.stmt(sql));
  private readonly jobs = new SqliteJobs((sql) => this.stmt(sql));

  constructor(private readonly db: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  private run(sql: string, params: Params | unknown[] = {}): Database.RunResult {
    try {
      return Array.isArray(params) ? this.stmt(sql).run(...params) : this.stmt(sql).run(params);
    } catch (err) {
      if (err instanceof Error && /UNIQUE constraint failed/.test(err.message)) throw new StoreConflictError(err.message);
      throw err;
    }
  }

  private get(sql: string, params: unknown[] = []): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  private all(sql: string, params: unknown[] = []): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  async insertAccount(a: AccountRecord): Promise<void> {
    this.run('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)', [a.id, a.name, a.createdAt]);
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const r = this.get('SELECT * FROM accounts WHERE id = ? AND deleted_at IS NULL', [id]);
    return r && { id: String(r.id), name: String(r.name), createdAt: Number(r.created_at) };
  }

  async insertAccessKey(k: AccessKeyRecord): Promise<void> {
    this.run('INSERT INTO access_keys (id, account_id, secret, status, created_at, user_id) VALUES (?, ?, ?, ?, ?, ?)', [
      k.id, k.accountId, k.secret, k.status, k.createdAt, k.userId ?? '',
    ]);
  }

  async getAccessKey(id: string): Promise<AccessKeyRecord | undefined> {
    const r = this.get('SELECT * FROM access_keys WHERE id = ?', [id]);
    return r && keyFromRow(r);
  }

  async listAccessKeys(accountId: string): Promise<AccessKeyRecord[]> {
    return this.all("SELECT * FROM access_keys WHERE account_id = ? AND user_id = '' ORDER BY created_at, id", [accountId])
      .map(keyFromRow);
  }

  async setAccessKeyStatus(id: string, status: AccessKeyRecord['status']): Promise<void> {
    this.run('UPDATE access_keys SET status = ? WHERE id = ?', [status, id]);
  }

  async listAccounts(): Promise<AccountRecord[]> { return this.identity.listAccounts(); }
  async deleteAccount(id: string, now: number): Promise<void> { this.identity.deleteAccount(id, now); }
  async countOwned(accountId: string): Promise<number> { return this.identity.countOwned(accountId); }
  async deleteAccessKey(id: string): Promise<boolean> { return this.identity.deleteAccessKey(id); }
  async listUserKeys(userId: string): Promise<AccessKeyRecord[]> { return this.identity.listUserKeys(userId); }
  async insertRamUser(u: RamUserRecord): Promise<void> { this.identity.insertUser(u); }
  async getRamUser(id: string): Promise<RamUserRecord | undefined> { return this.identity.getUser(id); }
  async listRamUsers(accountId: string): Promise<RamUserRecord[]> { return this.identity.listUsers(accountId); }
  async setRamUserStatus(id: string, status: RamUserRecord['status']): Promise<void> { this.identity.setUserStatus(id, status); }
  async deleteRamUser(id: string): Promise<void> { this.identity.deleteUser(id); }
  async insertPolicy(p: RamPolicyRecord): Promise<void> { this.identity.insertPolicy(p); }
  async getPolicyByName(accountId: string, name: string): Promise<RamPolicyRecord | undefined> { return this.identity.getPolicyByName(accountId, name); }
  async listPolicies(accountId: string): Promise<RamPolicyRecord[]> { return this.identity.listPolicies(accountId); }
  async deletePolicy(id: string): Promise<void> { this.identity.deletePolicy(id); }
  async attachPolicy(userId: string, policyId: string): Promise<boolean> { return this.identity.attachPolicy(userId, policyId); }
  async detachPolicy(userId: string, policyId: string): Promise<boolean> { return this.identity.detachPolicy(userId, policyId); }
  async userPolicies(userId: string): Promise<RamPolicyRecord[]> { return this.identity.userPolicies(userId); }
  async countAttachments(policyId: string): Promise<number> { return this.identity.countAttachments(policyId); }
  async insertStsCredential(c: StsCredentialRecord): Promise<void> { this.identity.insertSts(c); }
  async getStsCredential(id: string): Promise<StsCredentialRecord | undefined> { return this.identity.getSts(id); }

  async insertDisk(d: DiskRecord): Promise<void> {
    this.run(
      `INSERT INTO disks (id, account_id, region_id, name, description, category, size_bytes, status, disk_type,
         charge_type, source_snapshot_id, instance_id, delete_with_instance, created_at, deleted_at)
       VALUES (@id, @accountId, @regionId, @name, @description, @category, @sizeBytes, @status, @diskType,
         @chargeType, @sourceSnapshotId, @instanceId, @deleteWithInstance, @createdAt, @deletedAt)`,
      { ...d, deleteWithInstance: d.deleteWithInstance ? 1 : 0 },
    );
  }

  async getDisk(id: string, accountId?: string): Promise<DiskRecord | undefined> {
    const r = this.get('SELECT * FROM disks WHERE id = ? AND deleted_at IS NULL AND (? IS NULL OR account_id = ?)', [
      id, accountId ?? null, accountId ?? null,
    ]);
    return r && diskFromRow(r);
  }

  async updateDisk(id: string, patch: DiskPatch): Promise<void> {
    this.update('disks', id, {
      status: patch.status, name: patch.name, description: patch.description,
      size_bytes: patch.sizeBytes, deleted_at: patch.deletedAt, instance_id: patch.instanceId,
      delete_with_instance: patch.deleteWithInstance === undefined ? undefined : Number(patch.deleteWithInstance),
    });
  }

  async listDisks(f: DiskFilter): Promise<Page<DiskRecord>> {
    const where = ['account_id = ?', 'deleted_at IS NULL'];
    const args: unknown[] = [f.accountId];
    addIn(where, args, 'region_id', f.regionIds);
    addIn(where, args, 'id', f.diskIds);
    addEq(where, args, 'name', f.name);
    addEq(where, args, 'category', f.category);
    addEq(where, args, 'status', f.status);
    addEq(where, args, 'disk_type', f.diskType);
    addEq(where, args, 'source_snapshot_id', f.sourceSnapshotId);
    addEq(where, args, 'instance_id', f.instanceId);
    return this.page('disks', where, args, f.offset, f.limit, diskFromRow);
  }

  async countDisks(w: { sourceSnapshotId: string; status?: DiskStatus }): Promise<number> {
    const r = this.get(
      'SELECT COUNT(*) AS n FROM disks WHERE source_snapshot_id = ? AND deleted_at IS NULL AND (? IS NULL OR status = ?)',
      [w.sourceSnapshotId, w.status ?? null, w.status ?? null],
    );
    return Number(r?.n ?? 0);
  }

  async insertInstance(i: InstanceRecord): Promise<void> {
    this.instances.insert(i);
  }

  async getInstance(id: string, accountId?: string): Promise<InstanceRecord | undefined> {
    return this.instances.get(id, accountId);
  }

  async listInstances(filter: InstanceFilter): Promise<InstanceRecord[]> {
    return this.instances.list(filter);
  }

  async updateInstance(id: string, patch: InstancePatch): Promise<void> {
    this.instances.update(id, patch);
  }

  async insertSnapshot(s: SnapshotRecord): Promise<void> {
    this.run(
      `INSERT INTO snapshots (id, account_id, region_id, disk_id, disk_category, disk_type, name, description, status,
         size_bytes, order_id, error, source_snapshot_id, source_region_id, created_at, deleted_at)
       VALUES (@id, @accountId, @regionId, @diskId, @diskCategory, @diskType, @name, @description, @status,
         @sizeBytes, @orderId, @error, @sourceSnapshotId, @sourceRegionId, @createdAt, @deletedAt)`,
      { ...s },
    );
  }

  async getSnapshot(id: string, accountId?: string): Promise<SnapshotRecord | undefined> {
    const r = this.get(
      'SELECT * FROM snapshots WHERE id = ? AND deleted_at IS NULL AND (? IS NULL OR account_id = ?)',
      [id, accountId ?? null, accountId ?? null],
    );
    return r && snapshotFromRow(r);
  }

  async updateSnapshot(id: string, patch: SnapshotPatch): Promise<void> {
    this.update('snapshots', id, {
      status: patch.status, name: patch.name, description: patch.description, error: patch.error,
      deleted_at: patch.deletedAt,
    });
  }

  async listSnapshots(f: SnapshotFilter): Promise<Page<SnapshotRecord>> {
    const where = ['account_id = ?', 'deleted_at IS NULL'];
    const args: unknown[] = [f.accountId];
    addIn(where, args, 'region_id', f.regionIds);
    addIn(where, args, 'id', f.snapshotIds);
    addEq(where, args, 'disk_id', f.diskId);
    addEq(where, args, 'name', f.name);
    if (f.instanceId !== undefined) {
      where.push(`source_snapshot_id = '' AND disk_id IN
        (SELECT id FROM disks WHERE instance_id = ? AND account_id = ? AND deleted_at IS NULL)`);
      args.push(f.instanceId, f.accountId);
    }
    return this.page('snapshots', where, args, f.offset, f.limit, snapshotFromRow);
  }

  async countSnapshots(w: { diskId: string; status?: SnapshotStatus }): Promise<number> {
    const r = this.get(
      `SELECT COUNT(*) AS n FROM snapshots WHERE disk_id = ? AND source_snapshot_id = '' AND deleted_at IS NULL
         AND (? IS NULL OR status = ?)`,
      [w.diskId, w.status ?? null, w.status ?? null],
    );
    return Number(r?.n ?? 0);
  }

  async countCopies(w: { sourceSnapshotId: string; status?: SnapshotStatus }): Promise<number> {
    const r = this.get(
      `SELECT COUNT(*) AS n FROM snapshots WHERE source_snapshot_id = ? AND deleted_at IS NULL
         AND (? IS NULL OR status = ?)`,
      [w.sourceSnapshotId, w.status ?? null, w.status ?? null],
    );
    return Number(r?.n ?? 0);
  }

  async putTags(tags: readonly TagRecord[]): Promise<void> {
    this.tags.put(tags);
  }

  async deleteTags(resourceType: string, resourceId: string, keys?: readonly string[]): Promise<number> {
    return this.tags.delete(resourceType, resourceId, keys);
  }

  async listTags(filter: TagFilter): Promise<TagRecord[]> {
    return this.tags.list(filter);
  }

  async insertOrder(o: OrderRecord): Promise<void> {
    this.run(
      `INSERT INTO orders (id, account_id, action, resource_type, resource_id, region_id, charge_type, created_at)
       VALUES (@id, @accountId, @action, @resourceType, @resourceId, @regionId, @chargeType, @createdAt)`,
      { ...o },
    );
  }

  async getOrder(id: string): Promise<OrderRecord | undefined> {
    const r = this.get('SELECT * FROM orders WHERE id = ?', [id]);
    return r && orderFromRow(r);
  }

  async listOrders(accountId: string): Promise<OrderRecord[]> {
    return this.all('SELECT * FROM orders WHERE account_id = ? ORDER BY created_at, id', [accountId]).map(orderFromRow);
  }

  async enqueueJob(j: NewJob, now: number): Promise<void> { this.jobs.enqueue(j, now); }
  async getJob(id: string): Promise<JobRecord | undefined> { return this.jobs.get(id); }
  async claimJob(owner: string, now: number, leaseMs: number): Promise<JobRecord | undefined> {
    return this.jobs.claim(owner, now, leaseMs);
  }
  async renewLease(id: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return this.jobs.renewLease(id, owner, now, leaseMs);
  }
  async completeJob(id: string, owner: string, now: number): Promise<void> { this.jobs.complete(id, owner, now); }
  async failJob(id: string, owner: string, error: string, retryAt: number | null, now: number): Promise<void> {
    this.jobs.fail(id, owner, error, retryAt, now);
  }
  async releaseAllLeases(now: number): Promise<number> { return this.jobs.releaseAllLeases(now); }
  async listJobs(status?: JobRecord['status']): Promise<JobRecord[]> { return this.jobs.list(status); }

  async putThrottleLimits(limits: ThrottleLimitsRecord): Promise<void> {
    this.operator.putThrottleLimits(limits);
  }

  async deleteThrottleLimits(accountId: string): Promise<boolean> {
    return this.operator.deleteThrottleLimits(accountId);
  }

  async listThrottleLimits(): Promise<ThrottleLimitsRecord[]> {
    return this.operator.listThrottleLimits();
  }

  async resetAll(rootAccountId: string): Promise<Record<string, number>> {
    return this.operator.resetAll(rootAccountId);
  }

  private update(table: 'disks' | 'snapshots', id: string, columns: Record<string, unknown>): void {
    const set = Object.entries(columns).filter(([, v]) => v !== undefined);
    if (set.length === 0) return;
    const sql = `UPDATE ${table} SET ${set.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`;
    this.run(sql, [...set.map(([, v]) => v), id]);
  }

  private page<T>(table: string, where: string[], args: unknown[], offset: number, limit: number,
    map: (r: Row) => T): Page<T> {
    const clause = where.join(' AND ');
    const total = Number(this.get(`SELECT COUNT(*) AS n FROM ${table} WHERE ${clause}`, args)?.n ?? 0);
    const rows = this.all(`SELECT * FROM ${table} WHERE ${clause} ORDER BY created_at, id LIMIT ? OFFSET ?`, [
      ...args, limit, offset,
    ]);
    return { items: rows.map(map), total };
  }
}
