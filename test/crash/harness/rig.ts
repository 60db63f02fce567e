/**
 * One crash experiment: an edgesnap process over a data directory that outlives it, killed with SIGKILL at a
 * seeded random moment while an operation runs, restarted, and checked.
 */
import { Api, sleep } from './api.js';
import { Rng, SEED } from './image.js';
import { checkInvariants, type World } from './invariants.js';
import { startEdgesnap, type Edgesnap } from './process.js';
import { tempDir } from '../../support/server.js';

/** Trials per operation: 2 inside `npm test`, CRASH_TRIALS (20 in `npm run test:crash`) for the long run. */
export const TRIALS = Math.max(1, Number(process.env.CRASH_TRIALS ?? 2));

export interface Outcome<T> {
  /** What the operation answered before the process died, if it did. */
  readonly value?: T;
  readonly error?: unknown;
  readonly delayMs: number;
}

export class CrashRig {
  /** Ids the suite asked to delete: their orders legitimately outlive them. */
  readonly deleted = new Set<string>();
  readonly rng: Rng;
  private proc!: Edgesnap;
  api!: Api;

  private constructor(private readonly dir: { path: string; remove: () => Promise<void> }, seed: number,
    private readonly serveArgs: readonly string[]) {
    this.rng = new Rng(seed);
  }

  /**
   * A fresh data directory and a started process; `salt` gives each suite its own seeded stream; `serveArgs` are
   * extra `edgesnap serve` flags, given at every (re)start.
   */
  static async open(salt: number, serveArgs: readonly string[] = []): Promise<CrashRig> {
    const rig = new CrashRig(await tempDir('edgesnap-crash-'), SEED ^ salt, serveArgs);
    await rig.start();
    return rig;
  }

  get dataDir(): string {
    return this.dir.path;
  }

  get nbdPort(): number {
    return this.proc.nbdPort;
  }

  private async start(): Promise<void> {
    this.proc = await startEdgesnap(this.dir.path, this.serveArgs);
    this.api = new Api(this.proc.api);
  }

  /**
   * Starts `op`, SIGKILLs the process after a seeded delay in [minMs, maxMs), waits for `op` to end (it fails once
   * the process is gone, unless it had finished), restarts on the same data directory. With `armed`, the delay
   * counts from when `armed` resolves (or `op` ends, if first): e.g. once a collection has begun deleting.
   */
  async killDuring<T>(minMs: number, maxMs: number, op: () => Promise<T>, armed?: () => Promise<void>):
    Promise<Outcome<T>> {
    const delayMs = this.rng.int(minMs, maxMs);
    const settled = op().then((value) => ({ value }), (error: unknown) => ({ error }));
    if (armed) await Promise.race([armed(), settled]);
    await sleep(delayMs);
    await this.proc.kill('SIGKILL');
    const result = await settled;
    await this.start();
    return { ...result, delayMs };
  }

  async check(): Promise<World> {
    try {
      return await checkInvariants(this.api, this.dir.path, this.deleted);
    } catch (e) {
      const tail = this.proc.output().split('\n').slice(-30).join('\n');
      throw new Error(`${(e as Error).message}\n--- edgesnap output (tail) ---\n${tail}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    await this.proc?.kill('SIGKILL');
    await this.dir.remove();
  }
}
