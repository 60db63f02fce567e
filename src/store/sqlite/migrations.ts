/**
 * The schema, as an ordered list of migrations. A migration never changes once
 * released: add a new one. Each runs in its own transaction with its version.
 */
import { COMMERCE_SCHEMA } from './sqlite-commerce.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts, disks, snapshots, orders, jobs',
    sql: `
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE access_keys (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        secret TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
        created_at INTEGER NOT NULL
      );
      CREATE TABLE disks (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        region_id TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        category TEXT NOT NULL,
        size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
        status TEXT NOT NULL,
        disk_type TEXT NOT NULL,
        charge_type TEXT NOT NULL,
        source_snapshot_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      );
      CREATE INDEX disks_by_account ON disks(account_id, deleted_at, created_at);
      CREATE INDEX disks_by_source ON disks(source_snapshot_id);
      CREATE TABLE snapshots (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        region_id TEXT NOT NULL,
        disk_id TEXT NOT NULL,
        disk_category TEXT NOT NULL,
        disk_type TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        status TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        order_id TEXT NOT NULL UNIQUE,
        error TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      );
      CREATE INDEX snapshots_by_account ON snapshots(account_id, deleted_at, created_at);
      -- At most one snapshot being created per disk, whatever the code above does.
      CREATE UNIQUE INDEX snapshots_one_creating_per_disk ON snapshots(disk_id) WHERE status = 'creating';
      CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        action TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        region_id TEXT NOT NULL,
        charge_type TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (resource_type, resource_id, action)
      );
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        run_after INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        last_error TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX jobs_runnable ON jobs(status, run_after);
    `,
  },
  {
    version: 2,
    name: 'tags',
    sql: `
      CREATE TABLE tags (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        resource_type TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        tag_key TEXT NOT NULL,
        tag_value TEXT NOT NULL,
        PRIMARY KEY (resource_type, resource_id, tag_key)
      );
      CREATE INDEX tags_by_account ON tags(account_id, resource_type, resource_id, tag_key);
    `,
  },
  {
    version: 3,
    name: 'orders: several ResizeDisk orders per disk',
    // SQLite cannot drop a table constraint: rebuild `orders` without UNIQUE(resource_type, resource_id, action)
    // and keep that rule as a partial index for every action but ResizeDisk (a disk may be resized many times).
    sql: `
      CREATE TABLE orders_v2 (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        action TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        region_id TEXT NOT NULL,
        charge_type TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      INSERT INTO orders_v2 (id, account_id, action, resource_type, resource_id, region_id, charge_type, created_at)
        SELECT id, account_id, action, resource_type, resource_id, region_id, charge_type, created_at FROM orders;
      DROP TABLE orders;
      ALTER TABLE orders_v2 RENAME TO orders;
      CREATE UNIQUE INDEX orders_one_per_resource_action ON orders(resource_type, resource_id, action)
        WHERE action <> 'ResizeDisk';
      CREATE INDEX orders_by_resource ON orders(resource_type, resource_id);
    `,
  },
  {
    version: 4,
    name: 'instances; disks attached to them',
    // Self-contained: a later migration may follow it. Deleted instances keep their row (deleted_at set).
    sql: `
      CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        region_id TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('Running', 'Stopped')),
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      );
      CREATE INDEX instances_by_account ON instances(account_id, deleted_at, created_at);
      ALTER TABLE disks ADD COLUMN instance_id TEXT NOT NULL DEFAULT '';
      ALTER TABLE disks ADD COLUMN delete_with_instance INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX disks_by_instance ON disks(instance_id) WHERE instance_id <> '';
    `,
  },
  {
    version: 5,
    name: 'snapshots: copies made by CopySnapshot',
    // A copy keeps its source disk's id (DescribeSnapshots answers it as SourceDiskId) but is not a snapshot being
    // taken of that disk: the one-creating-per-disk rule counts direct snapshots only.
    sql: `
      ALTER TABLE snapshots ADD COLUMN source_snapshot_id TEXT NOT NULL DEFAULT '';
      ALTER TABLE snapshots ADD COLUMN source_region_id TEXT NOT NULL DEFAULT '';
      DROP INDEX snapshots_one_creating_per_disk;
      CREATE UNIQUE INDEX snapshots_one_creating_per_disk ON snapshots(disk_id)
        WHERE status = 'creating' AND source_snapshot_id = '';
      CREATE INDEX snapshots_by_source ON snapshots(source_snapshot_id) WHERE source_snapshot_id <> '';
    `,
  },
  {
    version: 6,
    name: 'identity: accounts deleted, RAM users, their AccessKeys, policies, STS credentials',
    // access_keys.user_id: '' for an account's own key, else the RAM user owning it. STS tokens are kept as their
    // SHA-256 only (the secret must stay readable: it is the HMAC key).
    sql: `
      ALTER TABLE accounts ADD COLUMN deleted_at INTEGER;
      ALTER TABLE access_keys ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
      CREATE INDEX access_keys_by_user ON access_keys(user_id) WHERE user_id <> '';
      CREATE TABLE ram_users (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
        created_at INTEGER NOT NULL,
        UNIQUE (account_id, name)
      );
      CREATE TABLE ram_policies (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        name TEXT NOT NULL,
        document TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (account_id, name)
      );
      CREATE TABLE ram_user_policies (
        user_id TEXT NOT NULL REFERENCES ram_users(id),
        policy_id TEXT NOT NULL REFERENCES ram_policies(id),
        PRIMARY KEY (user_id, policy_id)
      );
      CREATE INDEX ram_user_policies_by_policy ON ram_user_policies(policy_id);
      CREATE TABLE sts_credentials (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES ram_users(id),
        secret TEXT NOT NULL,
        token_sha256 TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX sts_credentials_by_user ON sts_credentials(user_id);
    `,
  },
  {
    version: 7,
    name: 'commerce: billing profiles, quotas, region sale control, prices, snapshot metering, ledger',
    sql: COMMERCE_SCHEMA,
  },
  {
    version: 8,
    name: 'operator: per-account throttle limits',
    // One row per account with its own limits (the built-in default applies to the others); `actions` is a JSON
    // object of per-action overrides. Without a foreign key: reset-all-state and account deletion drop the rows.
    sql: `
      CREATE TABLE throttle_limits (
        account_id TEXT PRIMARY KEY,
        rate_per_second REAL NOT NULL CHECK (rate_per_second > 0),
        burst REAL NOT NULL CHECK (burst >= 1),
        actions TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
];
