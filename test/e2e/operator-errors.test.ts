/**
 * Internal failures answer catalog codes (issue #4): a failing database (a real better-sqlite3 SqliteError,
 * SQLITE_FULL / SQLITE_IOERR / SQLITE_BUSY) or a full or failing disk (ENOSPC, EIO) is the specification's
 * System.SystemError; anything else unexpected the coded InternalError. The gateway runs over a real SQLite
 * store wrapped so that its next transaction fails, and is called through the official clients.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { systemClock } from '../../src/kernel/clock.js';
import { seededIds } from '../../src/kernel/ids.js';
import { LocalRegionalEngines } from '../../src/engine/index.js';
import type { MetadataStore, MetadataTx } from '../../src/store/metadata-store.js';
import { SqliteMetadataStore } from '../../src/store/sqlite/sqlite-store.js';
import { createServices } from '../../src/services/index.js';
import { ACTIONS } from '../../src/actions/index.js';
import { ReplayGuard } from '../../src/gateway/auth/index.js';
import { buildGateway } from '../../src/gateway/http-server.js';
import { coreClient, popClient, type Call } from '../support/clients.js';
import { failure, type Failure } from '../support/failures.js';
import { SMALL_REGIONS, tempDir, TEST_CREDENTIALS } from '../support/server.js';

const SYSTEM_ERROR: Failure = { status: 400, code: 'System.SystemError', message: 'system error.' };
const INTERNAL: Failure = {
  status: 500, code: 'InternalError', message: 'The request processing has failed due to some unknown error, exception or failure.',
};

/** A real store whose next transaction fails with `failNext` (once). */
class FailingStore implements MetadataStore {
  failNext?: unknown;

  constructor(private readonly inner: MetadataStore) {}

  migrate(): Promise<number> {
    return this.inner.migrate();
  }

  transaction<T>(fn: (tx: MetadataTx) => Promise<T>): Promise<T> {
    const err = this.failNext;
    this.failNext = undefined;
    return err === undefined ? this.inner.transaction(fn) : Promise.reject(err);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A genuine SQLITE_FULL: an insert into a database allowed one page. */
function realSqliteFull(): Error {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE t (x BLOB)');
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`);
    db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(64 * 1024));
  } catch (err) {
    return err as Error;
  } finally {
    db.close();
  }
  throw new Error('expected SQLITE_FULL');
}

const errno = (code: string, message: string): Error => Object.assign(new Error(`${code}: ${message}`), { code });

describe('internal failures answer System.SystemError or InternalError', { timeout: 60_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let store: FailingStore;
  let engines: LocalRegionalEngines;
  let app: FastifyInstance;
  let call: Call;
  let pop: Call;
  const logged: string[] = [];

  before(async () => {
    dir = await tempDir('edgesnap-syserr-');
    store = new FailingStore(new SqliteMetadataStore(':memory:'));
    await store.migrate();
    engines = await LocalRegionalEngines.open({
      dataDir: join(dir.path, 'engine'), regionIds: SMALL_REGIONS.map((r) => r.id), clock: systemClock,
    });
    const ids = seededIds(7);
    const services = createServices({ store, engines, clock: systemClock, ids, log: () => undefined, jobsQueued: () => undefined },
      SMALL_REGIONS);
    await services.accounts.ensureRootKey({ id: TEST_CREDENTIALS.accessKeyId, secret: TEST_CREDENTIALS.accessKeySecret });
    app = buildGateway({
      services, actions: ACTIONS, ids, replay: new ReplayGuard(systemClock), actionOptions: { snapshotIdFormat: 'array' },
      log: (msg) => logged.push(msg),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const endpoint = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    call = coreClient(endpoint, TEST_CREDENTIALS);
    pop = popClient(endpoint, TEST_CREDENTIALS, 'POST');
  });
  after(async () => {
    await app?.close();
    await engines?.close();
    await store?.close();
    await dir?.remove();
  });

  const describeDisks = (client: Call): Promise<unknown> => client('DescribeDisks', {});

  it('a real SQLITE_FULL from better-sqlite3', async () => {
    const full = realSqliteFull();
    assert.equal((full as { code?: string }).code, 'SQLITE_FULL');
    store.failNext = full;
    assert.deepEqual(await failure(describeDisks(call)), SYSTEM_ERROR);
    assert.ok(logged.some((l) => l.startsWith('system error:') && l.includes('full')), 'the cause is logged');
    await describeDisks(call); // the next request works
  });

  it('SQLITE_IOERR and SQLITE_BUSY, through pop-core too', async () => {
    for (const code of ['SQLITE_IOERR_WRITE', 'SQLITE_BUSY']) {
      store.failNext = new Database.SqliteError('disk I/O error', code);
      assert.deepEqual(await failure(describeDisks(pop)), SYSTEM_ERROR, code);
    }
  });

  it('a full or failing disk (ENOSPC, EIO), also as the cause of another error', async () => {
    store.failNext = errno('ENOSPC', 'no space left on device, write');
    assert.deepEqual(await failure(describeDisks(call)), SYSTEM_ERROR);
    store.failNext = new Error('write failed', { cause: errno('EIO', 'i/o error, write') });
    assert.deepEqual(await failure(describeDisks(call)), SYSTEM_ERROR);
  });

  it('anything else unexpected stays the coded InternalError', async () => {
    store.failNext = new TypeError('x is not a function');
    assert.deepEqual(await failure(describeDisks(call)), INTERNAL);
    assert.ok(logged.some((l) => l.startsWith('internal error: TypeError')));
  });
});
