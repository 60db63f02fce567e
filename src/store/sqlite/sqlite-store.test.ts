import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { runMetadataStoreSuite } from '../testing/metadata-store.suite.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteMetadataStore } from './sqlite-store.js';

runMetadataStoreSuite('sqlite (file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-meta-'));
  return { store: new SqliteMetadataStore(join(dir, 'meta.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

runMetadataStoreSuite('sqlite (memory)', async () => ({
  store: new SqliteMetadataStore(':memory:'),
  cleanup: async () => undefined,
}));

it('upgrades a version-1 database through every migration (tags included), keeping its rows', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-meta-'));
  try {
    const path = join(dir, 'meta.db');
    const v1 = new Database(path);
    v1.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    v1.exec(MIGRATIONS[0]!.sql);
    v1.prepare('INSERT INTO schema_migrations (version, name) VALUES (1, ?)').run(MIGRATIONS[0]!.name);
    v1.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('acc-1', 'root', 0)").run();
    v1.prepare(`INSERT INTO disks (id, account_id, region_id, name, description, category, size_bytes, status, disk_type,
      charge_type, source_snapshot_id, created_at) VALUES ('d-1', 'acc-1', 'r', '', '', 'cloud_ssd', 1, 'Available', '2',
      'postpay', '', 0)`).run();
    v1.close();
    const store = new SqliteMetadataStore(path);
    try {
      assert.equal(await store.migrate(), MIGRATIONS.at(-1)!.version);
      await store.transaction((tx) => tx.putTags([{ accountId: 'acc-1', resourceType: 'disk', resourceId: 'd-1', key: 'k', value: 'v' }]));
      assert.equal((await store.transaction((tx) => tx.listTags({ accountId: 'acc-1', resourceType: 'disk' }))).length, 1);
      assert.equal((await store.transaction((tx) => tx.getAccount('acc-1')))?.name, 'root');
      const disk = await store.transaction((tx) => tx.getDisk('d-1'));
      assert.deepEqual([disk?.instanceId, disk?.deleteWithInstance], ['', false], 'migration 4 defaults old disks');
      assert.deepEqual(await store.transaction((tx) => tx.listInstances({})), []);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
