import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMetadataStoreSuite } from '../testing/metadata-store.suite.js';
import { SqliteMetadataStore } from './sqlite-store.js';

runMetadataStoreSuite('sqlite (file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-meta-'));
  return { store: new SqliteMetadataStore(join(dir, 'meta.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

runMetadataStoreSuite('sqlite (memory)', async () => ({
  store: new SqliteMetadataStore(':memory:'),
  cleanup: async () => undefined,
}));
