/**
 * The job queue's statements (the `jobs` table): leases, retries and the start-up release; SqliteTx
 * delegates its job calls here to keep each file small.
 */
import type Database from 'better-sqlite3';
import type { NewJob } from '../metadata-store.js';
import type { JobRecord } from '../records.js';
import { jobFromRow, type Row } from './rows.js';

export class SqliteJobs {
  constructor(private readonly stmt: (sql: string) => Database.Statement) {}

  enqueue(j: NewJob, now: number): void {
    this.stmt(
      `INSERT INTO jobs (id, type, payload, status, attempts, max_attempts, run_after, lease_owner, lease_expires_at,
         last_error, created_at, updated_at)
       VALUES (?, ?, ?, 'queued', 0, ?, ?, NULL, NULL, '', ?, ?)`,
    ).run(j.id, j.type, JSON.stringify(j.payload), j.maxAttempts, j.runAfter, now, now);
  }

  get(id: string): JobRecord | undefined {
    const r = this.stmt('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return r && jobFromRow(r);
  }

  /** Takes the next runnable job (queued and due, or running with an expired lease) under a new lease. */
  claim(owner: string, now: number, leaseMs: number): JobRecord | undefined {
    const r = this.stmt(
      `SELECT id FROM jobs
       WHERE (status = 'queued' AND run_after <= ?) OR (status = 'running' AND lease_expires_at <= ?)
       ORDER BY run_after, created_at, id LIMIT 1`,
    ).get(now, now) as Row | undefined;
    if (!r) return undefined;
    this.stmt(
      `UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
         updated_at = ? WHERE id = ?`,
    ).run(owner, now + leaseMs, now, r.id);
    return this.get(String(r.id));
  }

  renewLease(id: string, owner: string, now: number, leaseMs: number): boolean {
    return this.stmt(
      `UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`,
    ).run(now + leaseMs, now, id, owner).changes === 1;
  }

  complete(id: string, owner: string, now: number): void {
    this.stmt(
      `UPDATE jobs SET status = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
       WHERE id = ? AND lease_owner = ?`,
    ).run(now, id, owner);
  }

  /** Back to `queued` at `retryAt`, or `failed` for good when `retryAt` is null. */
  fail(id: string, owner: string, error: string, retryAt: number | null, now: number): void {
    this.stmt(
      `UPDATE jobs SET status = ?, run_after = COALESCE(?, run_after), last_error = ?, lease_owner = NULL,
         lease_expires_at = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?`,
    ).run(retryAt === null ? 'failed' : 'queued', retryAt, error.slice(0, 2000), now, id, owner);
  }

  releaseAllLeases(now: number): number {
    return this.stmt(
      `UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
       WHERE status = 'running'`,
    ).run(now).changes;
  }

  list(status?: JobRecord['status']): JobRecord[] {
    return (this.stmt('SELECT * FROM jobs WHERE (? IS NULL OR status = ?) ORDER BY created_at, id')
      .all(status ?? null, status ?? null) as Row[]).map(jobFromRow);
  }
}
