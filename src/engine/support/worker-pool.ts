/**
 * A small pool of hashing threads (Node worker_threads), sized to the cores,
 * so the snapshot job's SHA-256 work leaves the main thread (which does the
 * I/O) and uses every core. With `encodeLevel` the threads also make the chunk
 * file (codec.ts, zstd where it saves space), which the store then keeps as
 * it is (`putEncoded`): compression leaves the main thread as well. Chunks below `minBytes` are hashed on the main
 * thread: for them a round trip costs more than the hash. Started lazily;
 * workers are unref'ed (they never keep the process alive). Each worker gets
 * one chunk at a time; callers bound how many are in flight.
 *
 * With `slotBytes`, each worker shares an arena of slots with the pool: a chunk
 * that fits is copied into a free slot and the message carries only its slot
 * (the worker writes the chunk file beside it: hash-slots.ts). Transferring an
 * ArrayBuffer per chunk costs 10–45 µs per round trip here, a slot message
 * 3–4 µs, which matters for 64 KiB chunks (tens of thousands per snapshot).
 * Chunks too large for a slot, or arriving when every slot is busy, are
 * transferred as before.
 *
 * `lend` goes further for the snapshot job: the caller reads the chunk straight
 * into a slot and gets the chunk file back as a view of it, kept until it
 * releases the slot (after storing the file). Copying each chunk into a new
 * buffer on the way in and out cost the main thread more than the rest of its
 * work on a 64 KiB chunk (fresh memory: page faults, then garbage).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { sha256Hex } from '../chunks/chunk-store.js';
import type { EncodedChunk } from '../chunks/codec.js';
import type { HashReply, HashRequest, HashWorkerData } from './hash-worker.js';
import { SLOT_DATA_AT, slotBytesFor } from './hash-slots.js';

function newArena(slotBytes: number): { bytes: Buffer; free: number[] } | undefined {
  const slots = Math.min(MAX_SLOTS, Math.floor(ARENA_BYTES / slotBytes));
  if (slots < 2) return undefined;
  const bytes = Buffer.from(new SharedArrayBuffer(slots * slotBytes));
  return { bytes, free: Array.from({ length: slots }, (_, i) => slots - 1 - i) };
}

/** `view`'s bytes in a buffer of their own. */
function copyOf(view: Buffer): Buffer {
  const copy = Buffer.allocUnsafe(view.length);
  view.copy(copy);
  return copy;
}

/** What hashing a chunk gives: its digest, its bytes, and its chunk file if the hasher encodes. */
export interface HashResult {
  readonly digest: string;
  readonly data: Buffer;
  readonly encoded?: EncodedChunk;
  /** Present when `data` and the file are views of a lent slot (`HashPool.lend`): valid until it is released. */
  readonly lent?: LentSlot;
}

/** A slot of a hashing thread's shared memory, lent to read a chunk into and hash it there. */
export interface LentSlot {
  /** The chunk's place: read its bytes into it, then `hash`. */
  readonly bytes: Buffer;
  /** Hashes (and, unless `encode` is false, encodes) `bytes` once; the result's buffers are views of the slot. */
  hash(encode?: boolean): Promise<HashResult>;
  /** Gives the slot back (idempotent): the result's buffers must not be used after. */
  release(): void;
  readonly released: boolean;
}

/**
 * Hashes a chunk (maybe on a worker thread); resolves the digest and the bytes
 * (possibly a new view), and the chunk file too if the hasher encodes and
 * `encode` is not false (verifiers pass false: they only compare digests).
 */
export type Hasher = ((data: Buffer, encode?: boolean) => Promise<HashResult>) & {
  /** A slot to read a chunk of `length` bytes into and hash in place (HashPool.lend); undefined: use the function. */
  readonly lend?: (length: number) => LentSlot | undefined;
};

/** Slots lent by `hasher` for chunks of `lengths`, in order, as many as are free (none without `lend`). */
export function lendSlots(hasher: Hasher, lengths: readonly number[]): LentSlot[] {
  const slots: LentSlot[] = [];
  for (const length of lengths) {
    const lent = hasher.lend?.(length);
    if (!lent) break;
    slots.push(lent);
  }
  return slots;
}

/** Hashes on the calling thread. */
export const syncHasher: Hasher = async (data) => ({ digest: sha256Hex(data), data });

interface Pending {
  readonly resolve: (result: HashResult) => void;
  readonly reject: (err: unknown) => void;
  readonly data: Buffer;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending & { readonly arenaSlot?: number; readonly lent?: LentSlot }>;
  /** The shared arena and its free slots (absent without `slotBytes`). */
  readonly arena?: { readonly bytes: Buffer; readonly free: number[] };
  /** Requests not posted yet, and the buffers they transfer. */
  readonly batch: HashRequest[];
  readonly transfer: ArrayBuffer[];
}

/** Shared memory per worker for its slots. */
const ARENA_BYTES = 16 * 1024 * 1024;
const MAX_SLOTS = 128;

export interface HashPoolOptions {
  /** Threads (default: the number of cores). 0 hashes everything on the main thread. */
  readonly threads?: number;
  /** Chunks smaller than this are hashed on the main thread (default 32 KiB), and not encoded. */
  readonly minBytes?: number;
  /** Also encode each chunk file at this zstd level (0: raw) on the thread that hashes it. */
  readonly encodeLevel?: number;
  /** Largest chunk sent through shared memory (the engine's chunk size); absent: every chunk is transferred. */
  readonly slotBytes?: number;
}

export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly threads: number;
  private readonly minBytes: number;
  private readonly encodeLevel: number | undefined;
  /** The largest chunk a slot takes, and the slot's size (the chunk and a chunk file beside it). */
  private readonly slotChunkBytes: number;
  private readonly slotBytes: number | undefined;
  private nextId = 0;
  private closed = false;

  constructor(options: HashPoolOptions = {}) {
    this.threads = Math.max(0, options.threads ?? availableParallelism());
    this.minBytes = options.minBytes ?? 32 * 1024;
    this.encodeLevel = options.encodeLevel;
    this.slotChunkBytes = options.slotBytes ?? -1;
    this.slotBytes = options.slotBytes === undefined ? undefined : slotBytesFor(options.slotBytes);
  }

  /** SHA-256 of `data` (hex), with `data` itself. */
  hash(data: Buffer, encode = true): Promise<HashResult> {
    if (this.closed || this.threads === 0 || data.length < this.minBytes) {
      return Promise.resolve({ digest: sha256Hex(data), data });
    }
    const slot = this.pick();
    const arenaSlot = data.length <= this.slotChunkBytes ? slot.arena?.free.pop() : undefined;
    if (arenaSlot !== undefined) {
      data.copy(slot.arena!.bytes, arenaSlot * this.slotBytes! + SLOT_DATA_AT);
      return this.hashInSlot(slot, arenaSlot, data, encode, undefined);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, data });
      // The worker gets a copy (transferred): the caller's Buffer may be shared, so it is never detached.
      const buffer = new Uint8Array(data).buffer;
      this.send(slot, { id, buffer, offset: 0, length: data.length, level: encode ? this.encodeLevel : undefined }, buffer);
    });
  }

  /**
   * A free slot for the caller to read a chunk of `length` bytes into and hash
   * there (LentSlot); undefined when such a chunk is hashed on this thread, does
   * not fit a slot, or no slot is free — then use `hash`.
   */
  lend(length: number): LentSlot | undefined {
    if (this.closed || this.threads === 0 || length < this.minBytes || length > this.slotChunkBytes) return undefined;
    const slot = this.pick();
    const arenaSlot = slot.arena?.free.pop();
    if (arenaSlot === undefined) return undefined;
    const at = arenaSlot * this.slotBytes! + SLOT_DATA_AT;
    const bytes = slot.arena!.bytes.subarray(at, at + length);
    let state: 'lent' | 'hashing' | 'released' = 'lent';
    const lent: LentSlot = {
      bytes,
      get released() {
        return state === 'released';
      },
      hash: (encode = true) => {
        if (state !== 'lent') return Promise.reject(new Error(`lent slot already ${state}`));
        state = 'hashing';
        // Its thread gone (pool closed, thread died): hashed here, as `hash` does then.
        if (this.closed || !this.slots.includes(slot)) return Promise.resolve({ digest: sha256Hex(bytes), data: bytes, lent });
        return this.hashInSlot(slot, arenaSlot, bytes, encode, lent);
      },
      release: () => {
        if (state === 'released') return;
        state = 'released';
        slot.arena!.free.push(arenaSlot);
      },
    };
    return lent;
  }

  /** Hashes the chunk in `arenaSlot` of `slot` (its bytes are there already). */
  private hashInSlot(slot: Slot, arenaSlot: number, data: Buffer, encode: boolean, lent: LentSlot | undefined):
    Promise<HashResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, data, arenaSlot, lent });
      this.send(slot, { id, slot: arenaSlot, length: data.length, level: encode ? this.encodeLevel : undefined });
    });
  }

  /**
   * Queues a request for the worker; requests made in the same turn of the
   * event loop (e.g. every read completed in one poll) go in one message: a
   * message costs about as much as hashing 64 KiB.
   */
  private send(slot: Slot, request: HashRequest, transfer?: ArrayBuffer): void {
    slot.batch.push(request);
    if (transfer) slot.transfer.push(transfer);
    if (slot.batch.length > 1) return;
    setImmediate(() => {
      const batch = slot.batch.splice(0);
      const buffers = slot.transfer.splice(0);
      slot.worker.postMessage(batch, buffers);
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
    const arena = this.slotBytes === undefined ? undefined : newArena(this.slotBytes);
    const workerData: HashWorkerData = { arena: arena?.bytes.buffer as SharedArrayBuffer | undefined, slotBytes: this.slotBytes };
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url), { workerData });
    worker.unref();
    const slot: Slot = { worker, pending: new Map(), arena, batch: [], transfer: [] };
    worker.on('message', (replies: HashReply[]) => {
      for (const reply of replies) this.settle(slot, reply);
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

  private settle(slot: Slot, reply: HashReply): void {
    const job = slot.pending.get(reply.id);
    if (!job) return;
    slot.pending.delete(reply.id);
    const { digest, encoded } = reply;
    let file: Buffer | undefined;
    if (encoded?.file) file = Buffer.from(encoded.file);
    else if (encoded?.fileLength !== undefined && job.arenaSlot !== undefined) {
      const at = job.arenaSlot * this.slotBytes! + encoded.fileStart!;
      const view = slot.arena!.bytes.subarray(at, at + encoded.fileLength);
      // A lent slot keeps its file until released; any other slot is free again now, so its file is copied out.
      file = job.lent ? view : copyOf(view);
    }
    if (job.arenaSlot !== undefined && !job.lent) slot.arena!.free.push(job.arenaSlot);
    const result: HashResult = encoded && file
      ? { digest, data: job.data, encoded: { codec: encoded.codec, rawLength: encoded.rawLength, file } }
      : { digest, data: job.data };
    job.resolve(job.lent ? { ...result, lent: job.lent } : result);
  }
}

