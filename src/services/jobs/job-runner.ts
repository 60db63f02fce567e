/**
 * Durable jobs: rows in the metadata store, leased by a worker, retried with
 * exponential backoff, resumed after a crash (an expired or released lease
 * makes a running job claimable again). Handlers must be idempotent: a job may
 * run again after it did part or all of its work.
 */
import type { Clock } from '../../kernel/clock.js';
import type { IdGenerator } from '../../kernel/ids.js';
import type { MetadataStore, MetadataTx } from '../../store/metadata-store.js';
import type { JobRecord } from '../../store/records.js';

export interface JobContext {
  readonly job: JobRecord;
  readonly signal: AbortSignal;
}

export interface JobHandler {
  run(payload: Record<string, unknown>, ctx: JobContext): Promise<void>;
  /** Called once when the job has failed for good (attempts exhausted). */
  onFailed?(payload: Record<string, unknown>, error: string): Promise<void>;
}

export interface JobRunnerOptions {
  store: MetadataStore;
  clock: Clock;
  ids: IdGenerator;
  handlers: Readonly<Record<string, JobHandler>>;
  /** Lease length; renewed every third of it while the handler runs. */
  leaseMs?: number;
  /** How long an idle worker waits before looking again (a `kick` wakes it sooner). */
  pollMs?: number;
  concurrency?: number;
  /** Delay before attempt `n + 1` after `n` failed attempts. */
  backoffMs?: (attempts: number) => number;
  /** How long a worker waits (on the clock, holding the lease) before running a job (job-modes.ts `realistic`). */
  pacing?: (job: JobRecord) => Promise<number>;
  log?: (msg: string) => void;
}

/** A failure that retrying cannot fix: the job fails for good at once. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

export const defaultBackoff = (attempts: number): number => Math.min(60_000, 500 * 2 ** (attempts - 1));

/** Queues a job inside the caller's transaction, so it exists iff the transaction commits. */
export async function enqueueJob(tx: MetadataTx, ids: IdGenerator, now: number, type: string,
  payload: Record<string, unknown>, maxAttempts = 8): Promise<string> {
  const id = ids.resourceId('job');
  await tx.enqueueJob({ id, type, payload, maxAttempts, runAfter: now }, now);
  return id;
}

export class JobRunner {
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly backoffMs: (attempts: number) => number;
  private stopping = new AbortController();
  private wake = new AbortController();
  private workers: Promise<void>[] = [];
  /** Set by `pause`: workers finish the job in hand and exit (a pacing wait is cut short). */
  private pausing = false;
  private paused = new AbortController();

  constructor(private readonly opts: JobRunnerOptions) {
    this.owner = opts.ids.resourceId('worker');
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 1_000;
    this.concurrency = opts.concurrency ?? 2;
    this.backoffMs = opts.backoffMs ?? defaultBackoff;
  }

  /** Starts the workers (again, after `stop` or `pause`); no-op while they run. */
  start(): void {
    if (this.workers.length > 0) return;
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    if (this.wake.signal.aborted) this.wake = new AbortController();
    if (this.paused.signal.aborted) this.paused = new AbortController();
    this.pausing = false;
    for (let i = 0; i < this.concurrency; i++) this.workers.push(this.work());
  }

  get running(): boolean {
    return this.workers.length > 0;
  }

  /** Stops the workers gracefully: the jobs in hand finish, nothing new is taken. */
  async pause(): Promise<void> {
    this.pausing = true;
    this.paused.abort();
    this.wake.abort();
    await Promise.all(this.workers);
    this.workers = [];
    this.pausing = false;
  }

  /** Wakes idle workers: a job was just queued. */
  kick(): void {
    this.wake.abort();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake.abort();
    await Promise.all(this.workers);
    this.workers = [];
  }

  /** Runs queued jobs until none is due (for tests and one-shot tools). */
  async drain(): Promise<number> {
    // After a `stop` (not a shutdown: reset-all-state stops the workers, then may drain), a fresh signal.
    if (this.stopping.signal.aborted && this.workers.length === 0) this.stopping = new AbortController();
    let ran = 0;
    while (await this.runOne()) ran++;
    return ran;
  }

  private async work(): Promise<void> {
    while (!this.stopping.signal.aborted && !this.pausing) {
      let ran = false;
      try {
        ran = await this.runOne();
      } catch (err) {
        this.opts.log?.(`job runner: ${describe(err)}`);
      }
      if (ran || this.stopping.signal.aborted || this.pausing) continue;
      const wake = this.wake;
      await this.opts.clock.sleep(this.pollMs, wake.signal);
      if (wake.signal.aborted && this.wake === wake) this.wake = new AbortController();
    }
  }

  private async runOne(): Promise<boolean> {
    const { store, clock } = this.opts;
    const job = await store.transaction((tx) => tx.claimJob(this.owner, clock.now(), this.leaseMs));
    if (!job) return false;
    const handler = this.opts.handlers[job.type];
    const lease = new AbortController();
    const renewing = this.renewWhileRunning(job.id, lease.signal);
    try {
      if (!handler) throw new Error(`no handler for job type ${job.type}`);
      await this.pace(job);
      await handler.run(job.payload, { job, signal: this.stopping.signal });
      lease.abort();
      await renewing;
      await store.transaction((tx) => tx.completeJob(job.id, this.owner, clock.now()));
    } catch (err) {
      lease.abort();
      await renewing;
      await this.recordFailure(job, handler, describe(err), err instanceof PermanentJobError);
    }
    return true;
  }

  private async recordFailure(job: JobRecord, handler: JobHandler | undefined, error: string,
    permanent: boolean): Promise<void> {
    const { store, clock } = this.opts;
    if ((this.stopping.signal.aborted || this.pausing) && !permanent) {
      // Interrupted by shutdown or a pause, not a failure: leave it for the next start.
      await store.transaction((tx) => tx.failJob(job.id, this.owner, error, clock.now(), clock.now()));
      return;
    }
    const final = permanent || job.attempts >= job.maxAttempts;
    const retryAt = final ? null : clock.now() + this.backoffMs(job.attempts);
    this.opts.log?.(`job ${job.id} (${job.type}) attempt ${job.attempts} failed: ${error}`);
    await store.transaction((tx) => tx.failJob(job.id, this.owner, error, retryAt, clock.now()));
    if (final) await handler?.onFailed?.(job.payload, error);
  }

  /** The `pacing` delay; cut short by `stop` or `pause` (the job is then left queued for the next run). */
  private async pace(job: JobRecord): Promise<void> {
    const ms = this.opts.pacing ? await this.opts.pacing(job) : 0;
    if (ms <= 0) return;
    const signal = AbortSignal.any([this.stopping.signal, this.paused.signal]);
    await this.opts.clock.sleep(ms, signal);
    if (signal.aborted) throw new Error('interrupted while pacing');
  }

  private async renewWhileRunning(jobId: string, done: AbortSignal): Promise<void> {
    const { store, clock } = this.opts;
    while (!done.aborted) {
      await clock.sleep(this.leaseMs / 3, done);
      if (done.aborted) return;
      await store.transaction((tx) => tx.renewLease(jobId, this.owner, clock.now(), this.leaseMs)).catch(() => false);
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
