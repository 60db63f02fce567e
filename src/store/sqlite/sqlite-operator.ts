/**
 * The operator statements of the SQLite store (issue #4, migration 8): per-account throttle limits, and
 * reset-all-state. SqliteTx delegates to this class to keep each file small.
 */
import type Database from 'better-sqlite3';
import type { ThrottleLimitsRecord } from '../records.js';
import type { Row } from './rows.js';

/**
 * What reset-all-state keeps: per table, the rows matching this condition (`?` = the root account id).
 * Every other table (but `schema_migrations`) is emptied, so tables added later are wiped without a change
 * here; add a row when one of them holds something of root's that must survive (its billing profile…).
 */
export const RESET_KEEPS: Readonly<Record<string, string>> = {
  accounts: 'id = ?',
  // Root's own keys only: RAM users are removed, and with them their keys (user_id <> '').
  access_keys: "account_id = ? AND user_id = ''",
};

export class SqliteOperator {
  constructor(
    private readonly database: () => Database.Database,
    private readonly stmt: (sql: string) => Database.Statement,
  ) {}

  putThrottleLimits(r: ThrottleLimitsRecord): void {
    this.stmt(
      `INSERT INTO throttle_limits (account_id, rate_per_second, burst, actions, updated_at)
       VALUES (@accountId, @ratePerSecond, @burst, @actions, @updatedAt)
       ON CONFLICT (account_id) DO UPDATE SET rate_per_second = excluded.rate_per_second, burst = excluded.burst,
         actions = excluded.actions, updated_at = excluded.updated_at`,
    ).run({ ...r, actions: JSON.stringify(r.actions) });
  }

  deleteThrottleLimits(accountId: string): boolean {
    return this.stmt('DELETE FROM throttle_limits WHERE account_id = ?').run(accountId).changes > 0;
  }

  listThrottleLimits(): ThrottleLimitsRecord[] {
    return (this.stmt('SELECT * FROM throttle_limits ORDER BY account_id').all() as Row[]).map((r) => ({
      accountId: String(r.account_id),
      ratePerSecond: Number(r.rate_per_second),
      burst: Number(r.burst),
      actions: JSON.parse(String(r.actions)) as ThrottleLimitsRecord['actions'],
      updatedAt: Number(r.updated_at),
    }));
  }

  /** Empties every table but what RESET_KEEPS keeps of root's; returns the rows removed per table. */
  resetAll(rootAccountId: string): Record<string, number> {
    // Foreign keys are checked at COMMIT instead of per statement, so the order of the deletes does not matter.
    const db = this.database();
    db.pragma('defer_foreign_keys = ON');
    const tables = (db.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name <> 'schema_migrations' ORDER BY name`,
    ).all() as { name: string }[]).map((t) => t.name);
    const removed: Record<string, number> = {};
    for (const table of tables) {
      const keep = RESET_KEEPS[table];
      const sql = keep ? `DELETE FROM "${table}" WHERE NOT (${keep})` : `DELETE FROM "${table}"`;
      const n = keep ? db.prepare(sql).run(rootAccountId).changes : db.prepare(sql).run().changes;
      if (n > 0) removed[table] = n;
    }
    return removed;
  }
}
