/**
 * The tag statements of the SQLite store (migration 2's `tags` table); SqliteTx
 * delegates its tag calls here to keep each file small.
 */
import type Database from 'better-sqlite3';
import type { TagFilter } from '../metadata-store.js';
import type { TagRecord } from '../records.js';
import { tagFromRow, type Row } from './rows.js';

export class SqliteTags {
  constructor(private readonly stmt: (sql: string) => Database.Statement) {}

  put(tags: readonly TagRecord[]): void {
    const s = this.stmt(
      `INSERT INTO tags (account_id, resource_type, resource_id, tag_key, tag_value) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (resource_type, resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
    );
    for (const t of tags) s.run(t.accountId, t.resourceType, t.resourceId, t.key, t.value);
  }

  delete(resourceType: string, resourceId: string, keys?: readonly string[]): number {
    if (keys === undefined) {
      return this.stmt('DELETE FROM tags WHERE resource_type = ? AND resource_id = ?').run(resourceType, resourceId).changes;
    }
    if (keys.length === 0) return 0;
    const marks = keys.map(() => '?').join(', ');
    const sql = `DELETE FROM tags WHERE resource_type = ? AND resource_id = ? AND tag_key IN (${marks})`;
    return this.stmt(sql).run(resourceType, resourceId, ...keys).changes;
  }

  list(f: TagFilter): TagRecord[] {
    const where = ['account_id = ?', 'resource_type = ?'];
    const args: unknown[] = [f.accountId, f.resourceType];
    if (f.resourceIds !== undefined) {
      where.push(f.resourceIds.length === 0 ? '0' : `resource_id IN (${f.resourceIds.map(() => '?').join(', ')})`);
      args.push(...f.resourceIds);
    }
    if (f.tags !== undefined) {
      const any = f.tags.map((t) => {
        args.push(t.key);
        if (t.value === undefined) return '(tag_key = ?)';
        args.push(t.value);
        return '(tag_key = ? AND tag_value = ?)';
      });
      where.push(any.length === 0 ? '0' : `(${any.join(' OR ')})`);
    }
    if (f.after !== undefined) {
      where.push('(resource_id > ? OR (resource_id = ? AND tag_key > ?))');
      args.push(f.after.resourceId, f.after.resourceId, f.after.key);
    }
    const limit = f.limit === undefined ? '' : ' LIMIT ?';
    if (f.limit !== undefined) args.push(f.limit);
    const sql = `SELECT * FROM tags WHERE ${where.join(' AND ')} ORDER BY resource_id, tag_key${limit}`;
    return (this.stmt(sql).all(...args) as Row[]).map(tagFromRow);
  }
}
