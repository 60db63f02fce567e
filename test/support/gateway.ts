/** The gateway wired in-process (fastify inject) over a real SQLite store and block engine, with an injected clock. */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../src/kernel/clock.js';
import { seededIds } from '../../src/kernel/ids.js';
import { LocalRegionalEngines } from '../../src/engine/index.js';
import { SqliteMetadataStore } from '../../src/store/sqlite/sqlite-store.js';
import { createServices, JobRunner, type Services } from '../../src/services/index.js';
import { ACTIONS } from '../../src/actions/index.js';
import { ReplayGuard } from '../../src/gateway/auth/index.js';
import { buildGateway } from '../../src/gateway/http-server.js';
import { SMALL_REGIONS, tempDir } from './server.js';

export interface TestGateway {
  app: FastifyInstance;
  services: Services;
  jobs: JobRunner;
  close(): Promise<void>;
}

export async function buildTestGateway(clock: Clock, rootKey: { id: string; secret: string }): Promise<TestGateway> {
  const dir = await tempDir('edgesnap-gw-');
  const ids = seededIds(42);
  const store = new SqliteMetadataStore(':memory:');
  await store.migrate();
  const engines = await LocalRegionalEngines.open({
    dataDir: join(dir.path, 'engine'), regionIds: SMALL_REGIONS.map((r) => r.id), clock,
  });
  const services = createServices({ store, engines, clock, ids, log: () => undefined, jobsQueued: () => undefined },
    SMALL_REGIONS);
  await services.accounts.ensureRootKey(rootKey);
  const jobs = new JobRunner({ store, clock, ids, handlers: services.jobHandlers });
  const app = buildGateway({
    services, actions: ACTIONS, ids, replay: new ReplayGuard(clock), actionOptions: { snapshotIdFormat: 'array' },
  });
  await app.ready();
  return {
    app, services, jobs,
    close: async () => {
      await app.close();
      await engines.close();
      await store.close();
      await dir.remove();
    },
  };
}
