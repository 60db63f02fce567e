/** The services of edgesnap, built once by `main` over the injected ports. */
import type { ServiceDeps } from './context.js';
import { Accounts } from './accounts.js';
import { Disks } from './disks.js';
import { Instances } from './instances.js';
import type { JobHandler } from './jobs/job-runner.js';
import { Regions, type Region } from './regions.js';
import { Snapshots } from './snapshots.js';
import { SnapshotCopies } from './snapshot-copies.js';
import { Tags } from './tags.js';
import { Commerce } from './commerce/commerce.js';
import { StorageMaintenance } from './storage-maintenance.js';
import { CredentialDirectory } from './ram/credentials.js';
import { RamPolicies } from './ram/ram-policies.js';
import { RamUsers } from './ram/ram-users.js';
import { ResourceRegions } from './ram/resource-regions.js';
import { StsCredentials } from './ram/sts.js';

export interface Services {
  readonly accounts: Accounts;
  readonly regions: Regions;
  readonly disks: Disks;
  /** Operator-registered instances (the admin API), as far as disks need them. */
  readonly instances: Instances;
  readonly snapshots: Snapshots;
  readonly snapshotCopies: SnapshotCopies;
  readonly tags: Tags;
  /** RAM users, policies, STS credentials; the gateway's key lookup and resource regions (authorization). */
  readonly ramUsers: RamUsers;
  readonly ramPolicies: RamPolicies;
  readonly sts: StsCredentials;
  readonly credentials: CredentialDirectory;
  readonly resourceRegions: ResourceRegions;
  /** Billing profiles, quotas, sale control, prices, the billing job, ledger and orders (the admin API). */
  readonly commerce: Commerce;
  /** Garbage collection and scrubbing of every region's chunk store. */
  readonly storage: StorageMaintenance;
  /** Every job type's handler, for the job runner. */
  readonly jobHandlers: Readonly<Record<string, JobHandler>>;
}

export function createServices(deps: ServiceDeps, regionList: readonly Region[]): Services {
  const regions = new Regions(regionList);
  const disks = new Disks(deps, regions);
  const snapshots = new Snapshots(deps, regions);
  const snapshotCopies = new SnapshotCopies(deps, regions);
  const commerce = new Commerce(deps, regions);
  const storage = new StorageMaintenance(deps);
  return {
    accounts: new Accounts(deps),
    regions,
    disks,
    instances: new Instances(deps, regions),
    snapshots,
    snapshotCopies,
    tags: new Tags(deps),
    ramUsers: new RamUsers(deps),
    ramPolicies: new RamPolicies(deps),
    sts: new StsCredentials(deps),
    credentials: new CredentialDirectory(deps),
    resourceRegions: new ResourceRegions(deps),
    commerce,
    storage,
    jobHandlers: {
      ...disks.jobHandlers(), ...snapshots.jobHandlers(), ...snapshotCopies.jobHandlers(),
      ...commerce.billing.jobHandlers(), ...storage.jobHandlers(),
    },
  };
}

export type { RequestContext, ServiceDeps } from './context.js';
export { GiB, MiB } from './context.js';
export { DEFAULT_REGIONS, type Region } from './regions.js';
export { MAX_TAGS_PER_RESOURCE, type Tag } from './tags.js';
export { JobRunner, type JobHandler } from './jobs/job-runner.js';
export { evaluate, type RequestContext as PolicyContext } from './ram/policy.js';
export type { CredentialDirectory, CredentialInfo } from './ram/credentials.js';
export type { ResourceRef } from './ram/resource-regions.js';
export { SECURITY_TOKEN } from './ram/sts.js';
export type { AccountRecord, RamPolicyRecord, RamUserRecord } from '../store/records.js';
export type { KeyInfo } from './accounts.js';
export type {
  BillingProfileRecord, LedgerRecord, OrderRecord, PriceRecord, QuotaRecord, RegionSaleRecord,
} from '../store/records.js';
export { LOCAL_DISK_CATEGORIES } from './commerce/local-disks.js';
export { FaultRuleError, FaultRules, type FaultRule, type FaultRuleInput } from './faults/fault-rules.js';
export { isJobMode } from './jobs/job-modes.js';
export type { Operator } from './operator/operator.js';
export type { AccountThrottle, RateLimitSetting } from './operator/throttle-settings.js';
export type { RegionGc, RegionScrub } from './storage-maintenance.js';
