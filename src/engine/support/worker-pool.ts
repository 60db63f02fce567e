/**
 * A small pool of hashing threads (Node worker_threads), sized to the cores,
 * so the snapshot job's SHA-256 work leaves the main thread (which does the
 * I/O) and uses every core. Chunks below `minBytes` are hashed on the main
 * thread: for them a round trip costs more than the hash. Started lazily;
 * workers are unref'ed (they never keep the process alive). Each worker gets
 * one chunk at a time; callers bound how many are in flight.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { sha256Hex } from '../chunks/chunk-store.js';

/** Hashes a chunk (maybe on a worker thread); resolves the digest and the bytes (possibly a new view). */
export type Hasher = (data: Buffer) => Promise<{ digest: string; data: Buffer }>;

/** Hashes on the calling thread. */
export const syncHasher: Hasher = async (data) => ({ digest: sha256Hex(data), data });

interface Pending {
  readonly resolve: (result: { digest: string; data: Buffer }) => void;
  readonly reject: (err: unknown) => void;
  readonly data: Buffer;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

export interface HashPoolOptions {
  /** Threads (default: the number of cores). 0 hashes everything on the main thread. */
  readonly threads?: number;
  /** Chunks smaller than this are hashed on the main thread (default 128 KiB). */
  readonly minBytes?: number;
}

export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly threads: number;
  private readonly minBytes: number;
  private nextId = 0;
  private closed = false;

  constructor(options: HashPoolOptions = {}) {
    this.threads = Math.max(0, options.threads ?? availableParallelism());
    this.minBytes = options.minBytes ?? 128 * 1024;
  }

  /** SHA-256 of `data` (hex), with `data` itself. */
  hash(data: Buffer): Promise<{ digest: string; data: Buffer }> {
    if (this.closed || this.threads === 0 || data.length < this.minBytes) {
      return Promise.resolve({ digest: sha256Hex(data), data });
    }
    const slot = this.pick();
    const id = this.nextId++;
    // The worker gets a copy (transferred): the caller's Buffer may be shared, so it is never detached.
    const buffer = new Uint8Array(data).buffer;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, data });
      slot.worker.postMessage({ id, buffer, offset: 0, length: data.length }, [buffer]);
    });
  }

  /** Stops the workers; jobs in flight reject, later ones run on the main thread. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** The least busy worker, starting a new one while fewer than `threads` run. */
  private pick(): Slot {
    let best = this.slots[0];
    for (const slot of this.slots) if (best && slot.pending.size < best.pending.size) best = slot;
    if (best && (best.pending.size === 0 || this.slots.length >= this.threads)) return best;
    return this.start();
  }

  private start(): Slot {
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url));
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (reply: { id: number; digest: string }) => {
      const job = slot.pending.get(reply.id);
      if (!job) return;
      slot.pending.delete(reply.id);
      job.resolve({ digest: reply.digest, data: job.data });
    });
    const fail = (err: unknown): void => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      for (const job of slot.pending.values()) job.reject(err);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`hash worker exited (${code})`)));
    this.slots.push(slot);
    return slot;
  }
}
