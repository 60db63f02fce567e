/**
 * What every service gets: the ports it works through, injected by `main`.
 * Services own the rules (states, transitions, invariants); they never touch
 * bytes themselves, only ask the block engine.
 */
import type { Clock } from '../kernel/clock.js';
import type { IdGenerator } from '../kernel/ids.js';
import type { RegionalEngines } from '../engine/engine.js';
import type { MetadataStore } from '../store/metadata-store.js';

export interface ServiceDeps {
  readonly store: MetadataStore;
  /** The block engine of each region (edge node). */
  readonly engines: RegionalEngines;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Called after a job was queued, so an idle worker starts at once. */
  readonly jobsQueued: () => void;
  readonly log: (msg: string) => void;
}

/** Who is asking: the authenticated account (tenant) and the request's id. */
export interface RequestContext {
  readonly accountId: string;
  readonly requestId: string;
}

export const GiB = 2 ** 30;
export const MiB = 2 ** 20;
