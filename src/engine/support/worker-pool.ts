/**
 * A small pool of hashing threads (Node worker_threads), sized to the cores,
 * so the snapshot job's SHA-256 work leaves the main thread (which does the
 * I/O) and uses every core. With `encodeLevel` the threads also make the chunk
 * file (codec.ts, zstd where it saves space), which the store then keeps as
 * it is (`putEncoded`): compression leaves the main thread as well. Chunks below `minBytes` are hashed on the main
 * thread: for them a round trip costs more than the hash. Started lazily;
 * workers are unref'ed (they never keep the process alive). Each worker gets
 * one chunk at a time; callers bound how many are in flight.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { sha256Hex } from '../chunks/chunk-store.js';
import type { EncodedChunk } from '../chunks/codec.js';
import type { HashReply } from './hash-worker.js';

/** What hashing a chunk gives: its digest, its bytes, and its chunk file if the hasher encodes. */
export interface HashResult {
  readonly digest: string;
  readonly data: Buffer;
  readonly encoded?: EncodedChunk;
}

/**
 * Hashes a chunk (maybe on a worker thread); resolves the digest and the bytes
 * (possibly a new view), and the chunk file too if the hasher encodes and
 * `encode` is not false (verifiers pass false: they only compare digests).
 */
export type Hasher = (data: Buffer, encode?: boolean) => Promise<HashResult>;

/** Hashes on the calling thread. */
export const syncHasher: Hasher = async (data) => ({ digest: sha256Hex(data), data });

interface Pending {
  readonly resolve: (result: HashResult) => void;
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
  /** Chunks smaller than this are hashed on the main thread (default 128 KiB), and not encoded. */
  readonly minBytes?: number;
  /** Also encode each chunk file at this zstd level (0: raw) on the thread that hashes it. */
  readonly encodeLevel?: number;
}

export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly threads: number;
  private readonly minBytes: number;
  private readonly encodeLevel: number | undefined;
  private nextId = 0;
  private closed = false;

  constructor(options: HashPoolOptions = {}) {
    this.threads = Math.max(0, options.threads ?? availableParallelism());
    this.minBytes = options.minBytes ?? 128 * 1024;
    this.encodeLevel = options.encodeLevel;
  }

  /** SHA-256 of `data` (hex), with `data` itself. */
  hash(data: Buffer, encode = true): Promise<HashResult> {
    if (this.closed || this.threads === 0 || data.length < this.minBytes) {
      return Promise.resolve({ digest: sha256Hex(data), data });
    }
    const slot = this.pick();
    const id = this.nextId++;
    // The worker gets a copy (transferred): the caller's Buffer may be shared, so it is never detached.
    const buffer = new Uint8Array(data).buffer;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, data });
      const level = encode ? this.encodeLevel : undefined;
      slot.worker.postMessage({ id, buffer, offset: 0, length: data.length, level }, [buffer]);
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
    worker.on('message', (reply: HashReply) => {
      const job = slot.pending.get(reply.id);
      if (!job) return;
      slot.pending.delete(reply.id);
      const { digest, encoded } = reply;
      job.resolve(encoded
        ? { digest, data: job.data, encoded: { codec: encoded.codec, rawLength: encoded.rawLength, file: Buffer.from(encoded.file) } }
        : { digest, data: job.data });
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
