/**
 * How fast asynchronous jobs settle (issue #4), switchable while the service runs (admin API `/jobs/mode`):
 *
 *   - `immediate`: workers run every job as soon as it is queued (the default of `edgesnap serve`);
 *   - `realistic`: workers wait before running each job, on the service's clock, as long as the real service
 *     might take: REALISTIC_BASE_MS for every job, plus REALISTIC_MS_PER_GIB per GiB of the disk or snapshot
 *     for jobs that move data (create, copy, reset) — a 20 GiB CreateSnapshot settles after 20.5 s;
 *   - `manual`: no worker runs; jobs stay queued (disks and snapshots stay `creating`) until `settle()`
 *     (admin `POST /jobs/settle`) runs every due job, like `server.jobs.drain()` in tests.
 */
import type { MetadataStore } from '../../store/metadata-store.js';
import type { JobRecord } from '../../store/records.js';
import type { JobRunner } from './job-runner.js';

export type JobMode = 'immediate' | 'realistic' | 'manual';
export const JOB_MODES: readonly JobMode[] = ['immediate', 'realistic', 'manual'];

export const REALISTIC_BASE_MS = 500;
export const REALISTIC_MS_PER_GIB = 1000;
const GiB = 1024 ** 3;

/** Job types whose duration grows with the bytes they move. */
const DATA_JOBS = /\.(create|copy|reset)$/;

export class JobModes {
  private current: JobMode;
  private runner?: JobRunner;

  constructor(private readonly store: MetadataStore, initial: JobMode) {
    this.current = initial;
  }

  /** Binds the runner (built after this object, which gives it `pacing`) and starts it unless `manual`. */
  attach(runner: JobRunner): void {
    this.runner = runner;
    if (this.current !== 'manual') runner.start();
  }

  get mode(): JobMode {
    return this.current;
  }

  /** Switches the mode; leaving `manual` starts the workers, entering it waits for the jobs in hand. */
  async setMode(mode: JobMode): Promise<void> {
    this.current = mode;
    const runner = this.bound();
    if (mode === 'manual') await runner.pause();
    else runner.start();
  }

  /** Runs every due job now (any mode); returns how many ran. */
  settle(): Promise<number> {
    return this.bound().drain();
  }

  /** Stops the workers, aborting the jobs in hand (reset-all-state), until `resume`. */
  halt(): Promise<void> {
    return this.bound().stop();
  }

  resume(): void {
    if (this.current !== 'manual') this.bound().start();
  }

  /** The JobRunner `pacing` hook: the realistic delay of `job`, 0 in the other modes. */
  readonly pacing = async (job: JobRecord): Promise<number> => {
    if (this.current !== 'realistic') return 0;
    if (!DATA_JOBS.test(job.type)) return REALISTIC_BASE_MS;
    return REALISTIC_BASE_MS + Math.ceil((REALISTIC_MS_PER_GIB * (await this.bytesOf(job.payload))) / GiB);
  };

  private async bytesOf(payload: Record<string, unknown>): Promise<number> {
    const { snapshotId, diskId } = payload;
    return this.store.transaction(async (tx) => {
      if (typeof snapshotId === 'string') return (await tx.getSnapshot(snapshotId))?.sizeBytes ?? 0;
      if (typeof diskId === 'string') return (await tx.getDisk(diskId))?.sizeBytes ?? 0;
      return 0;
    });
  }

  private bound(): JobRunner {
    if (!this.runner) throw new Error('JobModes: no runner attached');
    return this.runner;
  }
}

export function isJobMode(v: unknown): v is JobMode {
  return typeof v === 'string' && (JOB_MODES as readonly string[]).includes(v);
}
