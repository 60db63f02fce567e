/**
 * The composition root: the only place that picks concrete implementations
 * (SQLite store, local block engine, NBD server, fastify gateway) and wires
 * them together. `startEdgesnap` is what `edgesnap serve` and the end-to-end
 * tests run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from './kernel/clock.js';
import { randomFraction, randomIds, SwitchableIds, type IdGenerator } from './kernel/ids.js';
import { LocalRegionalEngines, mapRegionalEngines } from './engine/index.js';
import type { ExportResolver } from './engine/block-device.js';
import type { RegionalEngines } from './engine/engine.js';
import { withVolumeDeleteHook } from './engine/volume-delete-hook.js';
import { NbdServer } from './engine/nbd/server.js';
import { SqliteMetadataStore } from './store/sqlite/sqlite-store.js';
import { createServices, DEFAULT_REGIONS, JobRunner, type Region, type Services } from './services/index.js';
import { ROOT_ACCOUNT_ID } from './services/accounts.js';
import { ACTIONS } from './actions/index.js';
import { ReplayGuard } from './gateway/auth/index.js';
import { buildGateway } from './gateway/http-server.js';
import { Throttle } from './gateway/throttle.js';
import type { OperatorHooks } from './gateway/operator-hooks.js';
import { FaultRules } from './services/faults/fault-rules.js';
import { JobModes } from './services/jobs/job-modes.js';
import { Operator } from './services/operator/operator.js';
import { ThrottleSettings } from './services/operator/throttle-settings.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { loadAdminToken } from './admin-token.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface EdgesnapConfig {
  dataDir: string;
  listen: HostPort;
  nbdListen: HostPort;
  snapshotIdFormat?: 'array' | 'string';
  rootKey?: { id: string; secret: string };
  /** The admin API's bearer token (EDGESNAP_ADMIN_TOKEN); absent: generated once into `<dataDir>/admin-token`. */
  adminToken?: string;
  regions?: readonly Region[];
  chunkSize?: number;
  /** zstd level for new chunks, 0 (off) to 19; default 1. */
  compressionLevel?: number;
  /**
   * Milliseconds a chunk written or found present stays safe from garbage collection (default 300,000:
   * REUSE_SAFETY_MARGIN_MS). Smaller values only suit tests; see src/engine/gc/README.md.
   */
  gcSafetyMarginMs?: number;
  clock?: Clock;
  ids?: IdGenerator;
  /** How long idle job workers wait between looks at the queue. */
  jobPollMs?: number;
  /** false: jobs run only when `jobs.drain()` is called (tests watch `creating` states). */
  startJobs?: boolean;
  log?: (msg: string) => void;
}

export interface RunningEdgesnap {
  readonly api: HostPort;
  readonly nbd: HostPort;
  readonly accountId: string;
  readonly accessKeyId: string;
  /** Set only on the first start without a configured key. */
  readonly generatedSecret?: string;
  readonly credentialsFile?: string;
  /** The bearer token of the admin API (`/admin/v1/`), and the file it is kept in unless it was configured. */
  readonly adminToken: string;
  readonly adminTokenFile?: string;
  readonly services: Services;
  readonly jobs: JobRunner;
  /** The operator controls behind the admin API (faults, throttle, job modes, ids, reset). */
  readonly operator: Operator;
  close(): Promise<void>;
}

export async function startEdgesnap(config: EdgesnapConfig): Promise<RunningEdgesnap> {
  const log = config.log ?? (() => undefined);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const lock = await acquireDataDirLock(config.dataDir);
  const cleanups: (() => Promise<void>)[] = [() => lock.release()];
  const closeAll = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch((err) => log(`shutdown: ${String(err)}`));
  };
  try {
    const core = await openCore(config, log, cleanups);
    const root = await core.services.accounts.ensureRootKey(config.rootKey);
    const credentialsFile = root.generatedSecret ? await writeCredentials(config.dataDir, root) : undefined;
    const admin = await loadAdminToken(config.dataDir, config.adminToken, core.ids);
    const { api, nbd } = await openListeners(config, core, admin.token, log, cleanups);
    return {
      api, nbd, accountId: root.accountId, accessKeyId: root.accessKeyId, generatedSecret: root.generatedSecret,
      credentialsFile, adminToken: admin.token, adminTokenFile: admin.file, services: core.services, jobs: core.jobs,
      operator: core.operator, close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

interface Core {
  services: Services;
  jobs: JobRunner;
  engines: RegionalEngines;
  ids: IdGenerator;
  late: { disconnect: (volumeId: string) => void };
  operator: Operator;
  hooks: OperatorHooks;
}

/** Store, engine, services and the job runner; resumes interrupted work. */
async function openCore(config: EdgesnapConfig, log: (msg: string) => void, cleanups: (() => Promise<void>)[]):
  Promise<Core> {
  const clock = config.clock ?? systemClock;
  // Switchable: the admin API's POST /ids seeds it for reproducible runs.
  const ids = new SwitchableIds(config.ids ?? randomIds);
  const store = new SqliteMetadataStore(join(config.dataDir, 'metadata.db'));
  cleanups.push(() => store.close());
  await store.migrate();
  const regions = config.regions ?? DEFAULT_REGIONS;
  const local = await LocalRegionalEngines.open({
    dataDir: join(config.dataDir, 'engine'), regionIds: regions.map((r) => r.id), chunkSize: config.chunkSize, clock,
    compressionLevel: config.compressionLevel, gcSafetyMarginMs: config.gcSafetyMarginMs,
  });
  cleanups.push(() => local.close());
  // Late-bound: the NBD server is created after the services it asks about.
  const late = { kick: (): void => undefined, disconnect: (_id: string): void => undefined };
  const engines = mapRegionalEngines(local, (engine) => withVolumeDeleteHook(engine, (id) => late.disconnect(id)));
  const services = createServices({ store, engines, clock, ids, log, jobsQueued: () => late.kick() }, regions);
  // This process owns the data directory (lock above): leases of a previous run are stale.
  await store.transaction((tx) => tx.releaseAllLeases(clock.now()));
  await services.snapshots.reconcileSessions();
  await services.commerce.billing.schedule();
  await services.storage.schedule();
  const modes = new JobModes(store, config.startJobs === false ? 'manual' : 'immediate');
  const jobs = new JobRunner({
    store, clock, ids, handlers: services.jobHandlers, log, pollMs: config.jobPollMs, pacing: modes.pacing,
  });
  late.kick = () => jobs.kick();
  modes.attach(jobs); // starts the workers unless manual
  cleanups.push(() => jobs.stop());
  const { operator, hooks } = await openOperator(store, clock, ids, modes, services, local, late);
  return { services, jobs, engines, ids, late, operator, hooks };
}

/** Fault rules, throttle (limits persisted per account), and the admin API's controls over them. */
async function openOperator(store: SqliteMetadataStore, clock: Clock, ids: SwitchableIds, jobs: JobModes,
  services: Services, local: LocalRegionalEngines, late: { disconnect: (volumeId: string) => void }):
  Promise<{ operator: Operator; hooks: OperatorHooks }> {
  const throttleSettings = new ThrottleSettings(store, clock);
  await throttleSettings.load();
  const throttle = new Throttle({ clock, limits: throttleSettings.resolve });
  const faults = new FaultRules(() => randomFraction(ids));
  const operator = new Operator({
    store, ids, faults, throttle: throttleSettings, jobs, rootAccountId: () => ROOT_ACCOUNT_ID,
    wipeEngines: () => local.wipe((volumeId) => late.disconnect(volumeId)),
    forgetRequests: () => throttle.clear(),
    afterReset: async () => {
      await services.commerce.billing.schedule();
      await services.storage.schedule();
    },
  });
  return { operator, hooks: { throttle, faults, clock } };
}

async function openListeners(config: EdgesnapConfig, core: Core, adminToken: string, log: (msg: string) => void,
  cleanups: (() => Promise<void>)[]): Promise<{ api: HostPort; nbd: HostPort }> {
  const { services, engines, ids, operator, hooks } = core;
  const nbdServer = new NbdServer(servableExports(engines.exports(), (id) => services.disks.isServable(id)), { log });
  core.late.disconnect = (id) => nbdServer.disconnectExport(id);
  const nbd = await nbdServer.listen(config.nbdListen.host, config.nbdListen.port);
  cleanups.push(() => nbdServer.close());
  const gateway = buildGateway({
    services, actions: ACTIONS, ids, replay: new ReplayGuard(config.clock ?? systemClock), log,
    actionOptions: { snapshotIdFormat: config.snapshotIdFormat ?? 'array' }, admin: { token: adminToken, control: operator }, operator: hooks,
  });
  await gateway.listen({ host: config.listen.host, port: config.listen.port });
  cleanups.push(() => gateway.close());
  const address = gateway.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  return { api: { host: config.listen.host, port }, nbd };
}

/** Serves only disks whose state allows it (not while being created or deleted); never lists exports. */
function servableExports(inner: ExportResolver, isServable: (id: string) => Promise<boolean>): ExportResolver {
  return {
    open: async (name) => ((await isServable(name)) ? inner.open(name) : undefined),
    list: async () => null,
  };
}

async function writeCredentials(dataDir: string, root: { accountId: string; accessKeyId: string; generatedSecret?: string }):
  Promise<string> {
  const file = join(dataDir, 'credentials.json');
  const body = { accountId: root.accountId, accessKeyId: root.accessKeyId, accessKeySecret: root.generatedSecret };
  await writeFile(file, JSON.stringify(body, null, 2) + '\n', { mode: 0o600, flag: 'w' });
  return file;
}
