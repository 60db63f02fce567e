/**
 * The operator controls behind the admin API (issue #4): fault rules, throttle settings, job settle modes,
 * deterministic ids, and reset-all-state. Built once by `main` over the running service's parts.
 */
import type { SwitchableIds } from '../../kernel/ids.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import type { FaultRules } from '../faults/fault-rules.js';
import type { JobModes } from '../jobs/job-modes.js';
import type { ThrottleSettings } from './throttle-settings.js';

export interface OperatorDeps {
  readonly store: MetadataStore;
  readonly ids: SwitchableIds;
  readonly faults: FaultRules;
  readonly throttle: ThrottleSettings;
  readonly jobs: JobModes;
  /** The root account (kept by reset). */
  readonly rootAccountId: () => string;
  /** Removes every volume, manifest and chunk of every region, dropping NBD clients first. */
  readonly wipeEngines: () => Promise<void>;
  /** Forgets in-memory request state (throttle buckets). */
  readonly forgetRequests: () => void;
  /** Recreates what the service keeps queued for itself (the billing job), after the jobs table was emptied. */
  readonly afterReset?: () => Promise<void>;
}

export interface ResetSummary {
  /** Rows removed per table. */
  readonly removed: Readonly<Record<string, number>>;
  readonly faultRules: number;
}

export class Operator {
  private resetting?: Promise<ResetSummary>;

  constructor(private readonly deps: OperatorDeps) {}

  get faults(): FaultRules {
    return this.deps.faults;
  }

  get throttle(): ThrottleSettings {
    return this.deps.throttle;
  }

  get jobs(): JobModes {
    return this.deps.jobs;
  }

  get ids(): SwitchableIds {
    return this.deps.ids;
  }

  /**
   * Removes every account but root (root keeps its own keys), every resource, order, tag, job, fault rule and
   * throttle setting, and every byte in the engines. Jobs are stopped first (the one in hand is aborted) so
   * none works on what is being removed; the metadata goes before the data, so no request finds a resource
   * whose bytes are gone. The job mode and the id generator are kept. Concurrent calls share one reset.
   */
  reset(): Promise<ResetSummary> {
    this.resetting ??= this.run().finally(() => {
      this.resetting = undefined;
    });
    return this.resetting;
  }

  private async run(): Promise<ResetSummary> {
    const { store, jobs, faults, throttle } = this.deps;
    await jobs.halt();
    try {
      const removed = await store.transaction((tx) => tx.resetAll(this.deps.rootAccountId()));
      const faultRules = faults.list().length;
      faults.clear();
      throttle.forgetAll();
      this.deps.forgetRequests();
      await this.deps.wipeEngines();
      await this.deps.afterReset?.();
      return { removed, faultRules };
    } finally {
      jobs.resume();
    }
  }
}
