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

export interface Services {
  readonly accounts: Accounts;
  readonly regions: Regions;
  readonly disks: Disks;
  /** Operator-registered instances (the admin API), as far as disks need them. */
  readonly instances: Instances;
  readonly snapshots: Snapshots;
  readonly snapshotCopies: SnapshotCopies;
  readonly tags: Tags;
  /** Every job type's handler, for the job runner. */
  readonly jobHandlers: Readonly<Record<string, JobHandler>>;
}

export function createServices(deps: ServiceDeps, regionList: readonly Region[]): Services {
  const regions = new Regions(regionList);
  const disks = new Disks(deps, regions);
  const snapshots = new Snapshots(deps, regions);
  const snapshotCopies = new SnapshotCopies(deps, regions);
  return {
    accounts: new Accounts(deps),
    regions,
    disks,
    instances: new Instances(deps, regions),
    snapshots,
    snapshotCopies,
    tags: new Tags(deps),
    jobHandlers: { ...disks.jobHandlers(), ...snapshots.jobHandlers(), ...snapshotCopies.jobHandlers() },
  };
}

export type { RequestContext, ServiceDeps } from './context.js';
export { GiB, MiB } from './context.js';
export { DEFAULT_REGIONS, type Region } from './regions.js';
export { MAX_TAGS_PER_RESOURCE, type Tag } from './tags.js';
export { JobRunner, type JobHandler } from './jobs/job-runner.js';
