/**
 * The instance statements of the SQLite store (migration 4's `instances` table); SqliteTx
 * delegates its instance calls here to keep each file small.
 */
import type Database from 'better-sqlite3';
import type { InstanceFilter, InstancePatch } from '../metadata-store.js';
import type { InstanceRecord } from '../records.js';
import { instanceFromRow, type Row } from './rows.js';
import { addEq, addIn } from './sql-filters.js';

export class SqliteInstances {
  constructor(private readonly stmt: (sql: string) => Database.Statement) {}

  insert(i: InstanceRecord): void {
    this.stmt(
      `INSERT INTO instances (id, account_id, region_id, name, status, created_at, deleted_at)
       VALUES (@id, @accountId, @regionId, @name, @status, @createdAt, @deletedAt)`,
    ).run({ ...i });
  }

  get(id: string, accountId?: string): InstanceRecord | undefined {
    const r = this.stmt('SELECT * FROM instances WHERE id = ? AND deleted_at IS NULL AND (? IS NULL OR account_id = ?)')
      .get(id, accountId ?? null, accountId ?? null) as Row | undefined;
    return r && instanceFromRow(r);
  }

  list(f: InstanceFilter): InstanceRecord[] {
    const where = ['deleted_at IS NULL'];
    const args: unknown[] = [];
    addEq(where, args, 'account_id', f.accountId);
    addIn(where, args, 'region_id', f.regionIds);
    addIn(where, args, 'id', f.instanceIds);
    const sql = `SELECT * FROM instances WHERE ${where.join(' AND ')} ORDER BY created_at, id`;
    return (this.stmt(sql).all(...args) as Row[]).map(instanceFromRow);
  }

  update(id: string, patch: InstancePatch): void {
    const set = Object.entries({ status: patch.status, name: patch.name, deleted_at: patch.deletedAt })
      .filter(([, v]) => v !== undefined);
    if (set.length === 0) return;
    this.stmt(`UPDATE instances SET ${set.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`)
      .run(...set.map(([, v]) => v), id);
  }
}
