/**
 * The 106 codes of the CreateSnapshot specification, as spec-codes.test.ts drives them: the codes edgesnap
 * produces from a real state (NATURAL_CASES, each setting that state over the admin API like an operator, or
 * locking the database like another process would), and for every other code the count-1 fault rule
 * (faultRule). docs/errors.md documents the same split; spec-codes-doc.test.ts keeps the two equal.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CREATE_SNAPSHOT_ERRORS } from '../../src/kernel/catalog-createsnapshot.js';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, type Body, type Call, type Credentials } from '../support/clients.js';
import { TEST_CREDENTIALS } from '../support/server.js';
import type { Failure } from '../support/failures.js';
import { adminOk, createDisk, type Admin } from './commerce-support.js';
import { allow, endpointOf, ramUser } from './identity-helpers.js';

export const REGION = 'cn-hangzhou-telecom';

/** Every code of the specification's table, in its order. */
export const SPEC_CODES: readonly string[] = CREATE_SNAPSHOT_ERRORS.map((e) => e.code);

/** The answer the catalog specifies for `code`, each `%s` of code and message filled with `args` in order. */
export function expected(code: string, ...args: string[]): Failure {
  const spec = CREATE_SNAPSHOT_ERRORS.find((e) => e.code === code);
  if (!spec) throw new Error(`${code} is not a code of the CreateSnapshot specification`);
  // Code and message share the arguments: `InvalidParameter.%s` / "The specified field %s invalid…".
  const fill = (template: string): string => {
    let i = 0;
    return template.replace(/%s/g, () => args[i++] ?? '%s');
  };
  return { status: spec.status, code: fill(spec.code), message: fill(spec.message) };
}

/** The rule docs/errors.md gives for a code edgesnap has no state for: CreateSnapshot answers it once. */
export function faultRule(code: string): Record<string, unknown> {
  return { match: { action: 'CreateSnapshot' }, effect: { kind: 'error', code }, count: 1 };
}

/** What a natural case needs: the server, the root's official client, the admin API, a healthy disk. */
export interface Harness {
  readonly server: RunningEdgesnap;
  readonly dataDir: string;
  readonly call: Call;
  readonly admin: Admin;
  readonly diskId: string;
  /** CreateSnapshot of `disk` (default: the healthy disk) in REGION through `client` (default: the root's). */
  snapshot(client?: Call, disk?: string, extra?: Record<string, string>): Promise<Body>;
  /** `request` fails with exactly `expected(code, ...args)`, and no snapshot and no order was created. */
  refused(request: () => Promise<unknown>, code: string, ...args: string[]): Promise<void>;
  /** Runs the queued jobs (admin `POST /jobs/settle`; the server's jobs are in manual mode). */
  settle(): Promise<void>;
}

type NaturalCase = (h: Harness) => Promise<void>;

const DEFAULT_PROFILE = {
  frozen: false, realNameVerified: true, basicInfoComplete: true, balanceMilli: 0, creditLineMilli: 1_000_000_000,
};
const DEFAULT_QUOTAS = { snapshotsPerDisk: 64, snapshotsPerRegion: 1000, snapshotCapacityBytes: 100 * 2 ** 40 };
const DEFAULT_SALE = { sellsSnapshots: true, snapshotCapacityBytes: 1024 * 2 ** 40 };

/** Sets `body` at the admin `path`, expects CreateSnapshot to answer `code`, and puts `restore` back. */
function withSetting(path: (h: Harness) => string, body: Record<string, unknown>, restore: Record<string, unknown>,
  code: string): NaturalCase {
  return async (h) => {
    await adminOk(h.admin, 'PUT', path(h), body);
    try {
      await h.refused(() => h.snapshot(), code);
    } finally {
      await adminOk(h.admin, 'PUT', path(h), restore);
    }
  };
}

const billing = (h: Harness): string => `/accounts/${h.server.accountId}/billing`;
const quotas = (h: Harness): string => `/accounts/${h.server.accountId}/quotas`;
const sale = (): string => `/regions/${REGION}/sale`;

/** The codes edgesnap answers from a real state, each with the way to reach that state. */
export const NATURAL_CASES: Readonly<Record<string, NaturalCase>> = {
  'InvalidParameter.%s': async (h) => {
    await h.refused(() => h.snapshot(h.call, h.diskId, { SnapshotName: '1snapshot' }), 'InvalidParameter.%s', 'SnapshotName');
    await h.refused(() => h.call('CreateSnapshot', { DiskId: h.diskId, EnsRegionId: 'nowhere-1' }),
      'InvalidParameter.%s', 'EnsRegionId');
  },
  'System.SystemError': async (h) => {
    // Another connection holds the database's write lock past the server's 5 s busy timeout: SQLITE_BUSY. The
    // in-process server blocks the event loop meanwhile, so the client gets timeouts longer than openapi-core's
    // 5 s default (coreClient passes these Config fields on).
    const patient: Credentials & { connectTimeout: number; readTimeout: number } =
      { ...TEST_CREDENTIALS, connectTimeout: 30_000, readTimeout: 30_000 };
    await h.refused(async () => {
      const db = new Database(join(h.dataDir, 'metadata.db'));
      db.exec('BEGIN IMMEDIATE');
      try {
        return await h.snapshot(coreClient(endpointOf(h.server), patient));
      } finally {
        db.exec('ROLLBACK');
        db.close();
      }
    }, 'System.SystemError');
  },
  NoPermission: async (h) => {
    const { creds } = await ramUser(h.admin, h.server.accountId, 'spec-reader', allow('ens:Describe*'));
    await h.refused(() => h.snapshot(coreClient(endpointOf(h.server), creds)), 'NoPermission');
  },
  ProductInstanceReleased: async (h) => {
    const doomed = await createDisk(h.call, REGION);
    await h.settle();
    await h.call('DeleteDisk', { DiskId: doomed }); // its disk.delete job waits for the next settle
    await h.refused(() => h.snapshot(h.call, doomed), 'ProductInstanceReleased');
    await h.settle();
  },
  AccountAliyunAccountFrozen: withSetting(billing, { frozen: true }, DEFAULT_PROFILE, 'AccountAliyunAccountFrozen'),
  OrderArrearage: withSetting(billing, { balanceMilli: -101, creditLineMilli: 100 }, DEFAULT_PROFILE, 'OrderArrearage'),
  OrderNoRealNameAuthentication: withSetting(billing, { realNameVerified: false }, DEFAULT_PROFILE,
    'OrderNoRealNameAuthentication'),
  BasicInfoUncompleted: withSetting(billing, { basicInfoComplete: false }, DEFAULT_PROFILE, 'BasicInfoUncompleted'),
  ProductInstanceTypeNotSupported: async (h) => {
    const res = await adminOk(h.admin, 'POST', '/local-disks',
      { accountId: h.server.accountId, regionId: REGION, category: 'local_hdd', sizeGiB: 1 });
    await h.settle();
    await h.refused(() => h.snapshot(h.call, String(res.DiskId)), 'ProductInstanceTypeNotSupported');
  },
  SaleControlVerificationFailedRegion: withSetting(sale, { sellsSnapshots: false }, DEFAULT_SALE,
    'SaleControlVerificationFailedRegion'),
  SaleControlVerificationFailedStock: withSetting(sale, { snapshotCapacityBytes: 2 ** 30 - 1 }, DEFAULT_SALE,
    'SaleControlVerificationFailedStock'),
  OrderQuotaExceeded: async (h) => {
    for (const q of [{ snapshotsPerDisk: 0 }, { snapshotsPerRegion: 0 }, { snapshotCapacityBytes: 2 ** 30 - 1 }]) {
      await withSetting(quotas, q, DEFAULT_QUOTAS, 'OrderQuotaExceeded')(h);
    }
  },
  SystemConcurrentOperate: async (h) => {
    await h.snapshot(); // `creating` until the jobs are settled
    await h.refused(() => h.snapshot(), 'SystemConcurrentOperate');
    await h.settle();
  },
};

/** The codes only a fault rule produces: every specification code without a natural case. */
export const FAULT_CODES: readonly string[] = SPEC_CODES.filter((c) => !(c in NATURAL_CASES));
