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
  private readonly stopping = new AbortController();
  private wake = new AbortController();
  private workers: Promise<void>[] = [];

  constructor(private readonly opts: JobRunnerOptions) {
    this.owner = opts.ids.resourceId('worker');
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 1_000;
    this.concurrency = opts.concurrency ?? 2;
    this.backoffMs = opts.backoffMs ?? defaultBackoff;
  }

  start(): void {
    for (let i = 0; i < this.concurrency; i++) this.workers.push(this.work());
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
    let ran = 0;
    while (await this.runOne()) ran++;
    return ran;
  }

  private async work(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let ran = false;
      try {
        ran = await this.runOne();
      } catch (err) {
        this.opts.log?.(`job runner: ${describe(err)}`);
      }
      if (ran || this.stopping.signal.aborted) continue;
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
    if (this.stopping.signal.aborted && !permanent) {
      // Interrupted by shutdown, not a failure: leave it for the next start.
      await store.transaction((tx) => tx.failJob(job.id, this.owner, error, clock.now(), clock.now()));
      return;
    }
    const final = permanent || job.attempts >= job.maxAttempts;
    const retryAt = final ? null : clock.now() + this.backoffMs(job.attempts);
    this.opts.log?.(`job ${job.id} (${job.type}) attempt ${job.attempts} failed: ${error}`);
    await store.transaction((tx) => tx.failJob(job.id, this.owner, error, retryAt, clock.now()));
    if (final) await handler?.onFailed?.(job.payload, error);
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
