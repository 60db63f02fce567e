/**
 * The identity statements of the SQLite store (migration 6): accounts listed and deleted, AccessKeys deleted,
 * RAM users, policies and their attachments, STS credentials. SqliteTx delegates its identity calls here.
 */
import type Database from 'better-sqlite3';
import { StoreConflictError } from '../metadata-store.js';
import type { AccessKeyRecord, AccountRecord, RamPolicyRecord, RamUserRecord, StsCredentialRecord } from '../records.js';
import type { Row } from './rows.js';

const str = (v: unknown): string => String(v);
const num = (v: unknown): number => Number(v);

function userFromRow(r: Row): RamUserRecord {
  return {
    id: str(r.id), accountId: str(r.account_id), name: str(r.name),
    status: str(r.status) as RamUserRecord['status'], createdAt: num(r.created_at),
  };
}

function policyFromRow(r: Row): RamPolicyRecord {
  return {
    id: str(r.id), accountId: str(r.account_id), name: str(r.name), document: str(r.document),
    createdAt: num(r.created_at),
  };
}

function stsFromRow(r: Row): StsCredentialRecord {
  return {
    id: str(r.id), accountId: str(r.account_id), userId: str(r.user_id), secret: str(r.secret),
    tokenSha256: str(r.token_sha256), expiresAt: num(r.expires_at), createdAt: num(r.created_at),
  };
}

export class SqliteIdentity {
  constructor(private readonly stmt: (sql: string) => Database.Statement) {}

  private run(sql: string, ...args: unknown[]): Database.RunResult {
    try {
      return this.stmt(sql).run(...args);
    } catch (err) {
      if (err instanceof Error && /UNIQUE constraint failed/.test(err.message)) throw new StoreConflictError(err.message);
      throw err;
    }
  }

  private rows(sql: string, ...args: unknown[]): Row[] {
    return this.stmt(sql).all(...args) as Row[];
  }

  private row(sql: string, ...args: unknown[]): Row | undefined {
    return this.stmt(sql).get(...args) as Row | undefined;
  }

  listAccounts(): AccountRecord[] {
    return this.rows('SELECT * FROM accounts WHERE deleted_at IS NULL ORDER BY created_at, id')
      .map((r) => ({ id: str(r.id), name: str(r.name), createdAt: num(r.created_at) }));
  }

  /** Marks the account deleted and removes everything that lets anyone act as it (keys, users, policies, STS). */
  deleteAccount(id: string, now: number): void {
    this.run('DELETE FROM sts_credentials WHERE account_id = ?', id);
    this.run('DELETE FROM ram_user_policies WHERE user_id IN (SELECT id FROM ram_users WHERE account_id = ?)', id);
    this.run('DELETE FROM ram_policies WHERE account_id = ?', id);
    this.run('DELETE FROM access_keys WHERE account_id = ?', id);
    this.run('DELETE FROM ram_users WHERE account_id = ?', id);
    this.run('UPDATE accounts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL', now, id);
  }

  /** Live disks, snapshots and instances of the account. */
  countOwned(accountId: string): number {
    const r = this.row(
      `SELECT (SELECT COUNT(*) FROM disks WHERE account_id = ? AND deleted_at IS NULL)
            + (SELECT COUNT(*) FROM snapshots WHERE account_id = ? AND deleted_at IS NULL)
            + (SELECT COUNT(*) FROM instances WHERE account_id = ? AND deleted_at IS NULL) AS n`,
      accountId, accountId, accountId,
    );
    return num(r?.n ?? 0);
  }

  deleteAccessKey(id: string): boolean {
    return this.run('DELETE FROM access_keys WHERE id = ?', id).changes === 1;
  }

  listUserKeys(userId: string): AccessKeyRecord[] {
    return this.rows('SELECT * FROM access_keys WHERE user_id = ? ORDER BY created_at, id', userId).map((r) => ({
      id: str(r.id), accountId: str(r.account_id), secret: str(r.secret),
      status: str(r.status) as AccessKeyRecord['status'], createdAt: num(r.created_at), userId: str(r.user_id),
    }));
  }

  insertUser(u: RamUserRecord): void {
    this.run('INSERT INTO ram_users (id, account_id, name, status, created_at) VALUES (?, ?, ?, ?, ?)',
      u.id, u.accountId, u.name, u.status, u.createdAt);
  }

  getUser(id: string): RamUserRecord | undefined {
    const r = this.row('SELECT * FROM ram_users WHERE id = ?', id);
    return r && userFromRow(r);
  }

  listUsers(accountId: string): RamUserRecord[] {
    return this.rows('SELECT * FROM ram_users WHERE account_id = ? ORDER BY created_at, id', accountId).map(userFromRow);
  }

  setUserStatus(id: string, status: RamUserRecord['status']): void {
    this.run('UPDATE ram_users SET status = ? WHERE id = ?', status, id);
  }

  /** Removes the user with its keys, STS credentials and attachments. */
  deleteUser(id: string): void {
    this.run('DELETE FROM sts_credentials WHERE user_id = ?', id);
    this.run('DELETE FROM ram_user_policies WHERE user_id = ?', id);
    this.run('DELETE FROM access_keys WHERE user_id = ?', id);
    this.run('DELETE FROM ram_users WHERE id = ?', id);
  }

  insertPolicy(p: RamPolicyRecord): void {
    this.run('INSERT INTO ram_policies (id, account_id, name, document, created_at) VALUES (?, ?, ?, ?, ?)',
      p.id, p.accountId, p.name, p.document, p.createdAt);
  }

  getPolicyByName(accountId: string, name: string): RamPolicyRecord | undefined {
    const r = this.row('SELECT * FROM ram_policies WHERE account_id = ? AND name = ?', accountId, name);
    return r && policyFromRow(r);
  }

  listPolicies(accountId: string): RamPolicyRecord[] {
    return this.rows('SELECT * FROM ram_policies WHERE account_id = ? ORDER BY created_at, id', accountId)
      .map(policyFromRow);
  }

  deletePolicy(id: string): void {
    this.run('DELETE FROM ram_policies WHERE id = ?', id);
  }

  /** false when it was attached already. */
  attachPolicy(userId: string, policyId: string): boolean {
    return this.run('INSERT OR IGNORE INTO ram_user_policies (user_id, policy_id) VALUES (?, ?)', userId, policyId)
      .changes === 1;
  }

  /** false when it was not attached. */
  detachPolicy(userId: string, policyId: string): boolean {
    return this.run('DELETE FROM ram_user_policies WHERE user_id = ? AND policy_id = ?', userId, policyId).changes === 1;
  }

  userPolicies(userId: string): RamPolicyRecord[] {
    return this.rows(
      `SELECT p.* FROM ram_policies p JOIN ram_user_policies up ON up.policy_id = p.id
       WHERE up.user_id = ? ORDER BY p.created_at, p.id`,
      userId,
    ).map(policyFromRow);
  }

  countAttachments(policyId: string): number {
    return num(this.row('SELECT COUNT(*) AS n FROM ram_user_policies WHERE policy_id = ?', policyId)?.n ?? 0);
  }

  insertSts(c: StsCredentialRecord): void {
    this.run(
      `INSERT INTO sts_credentials (id, account_id, user_id, secret, token_sha256, expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      c.id, c.accountId, c.userId, c.secret, c.tokenSha256, c.expiresAt, c.createdAt,
    );
  }

  getSts(id: string): StsCredentialRecord | undefined {
    const r = this.row('SELECT * FROM sts_credentials WHERE id = ?', id);
    return r && stsFromRow(r);
  }
}
