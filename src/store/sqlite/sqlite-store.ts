/**
 * MetadataStore on SQLite (better-sqlite3 12.x). One connection; transactions
 * are serialised by an async mutex around BEGIN IMMEDIATE … COMMIT, so an
 * async transaction body never interleaves with another. WAL with
 * synchronous=FULL: an acknowledged commit survives power loss.
 */
import Database from 'better-sqlite3';
import type { MetadataStore, MetadataTx } from '../metadata-store.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteTx } from './sqlite-tx.js';

export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private readonly tx: SqliteTx;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** `path` is a file path, or `:memory:` for tests. */
  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    this.tx = new SqliteTx(this.db);
  }

  async migrate(): Promise<number> {
    return this.serialised(async () => {
      const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
      let current = row.v ?? 0;
      // In version order whatever the list's order (entries are appended by several people at once).
      for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
        if (m.version <= current) continue;
        this.db.transaction(() => {
          this.db.exec(m.sql);
          this.db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(m.version, m.name);
        })();
        current = m.version;
      }
      return current;
    });
  }

  transaction<T>(fn: (tx: MetadataTx) => Promise<T>): Promise<T> {
    return this.serialised(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.tx);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail.catch(() => undefined);
    this.db.close();
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('unable to use the metadata store: it is closed'));
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
