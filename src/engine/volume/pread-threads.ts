/**
 * Small positioned reads (`pread`) on a few dedicated threads instead of
 * libuv's shared thread pool: what makes an NBD server's 4 KiB random reads
 * fast on a small machine.
 *
 * Why: with libuv's pool (4 threads) every `fs.read` wakes an idle pool thread
 * (a futex wake and usually a context switch on a 2-core VM shared with the
 * client); at queue depth 16 the main thread spent about a third of its time
 * inside `fs.read`'s submission, and 4 KiB reads from the page cache ran at
 * ~40 k IOPS (1.7 context switches per read). Here one *primary* thread drains
 * a shared ring of requests without sleeping while there is work, and is
 * only woken when it sleeps, so a burst of reads costs one wake: ~60 k IOPS.
 * A single thread would serialise reads that miss the page cache (the disk at
 * queue depth 1: 16 k IOPS instead of 40 k), so a thread whose read took longer
 * than `SLOW_READ_US` (a disk hit, not a page-cache copy) wakes one *helper*
 * while requests are waiting; helpers drain the ring too and sleep again when
 * it is empty. The helpers start only once some read was slow (a process
 * that reads from the page cache keeps one thread).
 *
 * Requests and results travel in a SharedArrayBuffer (layout below) and the
 * data in fixed slots of a shared arena, copied into the caller's buffer on
 * completion (reads longer than a slot, or arriving when every slot is busy, go
 * to `fs.read` as before). The main thread learns of completions through
 * `Atomics.waitAsync` on a counter, draining every finished read at once. A
 * read the thread fails (any error) is redone with `fs.read`, which reports the
 * error as usual. Threads start lazily, process-wide, and are unref'ed while
 * no read is pending (they never keep the process alive). If a thread dies,
 * pending reads are redone with `fs.read` and the threads are no longer used.
 */
import { read as readFd } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** A power of two: ring positions are int32 counters that wrap, masked with SLOTS - 1. */
export const SLOTS = 64;
export const SLOT_BYTES = 64 * 1024;
const HELPERS = 3;
/** A read slower than this (µs) was not a page-cache copy: wake a helper if requests wait. */
export const SLOW_READ_US = 50;

/** Indices of the control words (Int32) at the start of the shared state. */
export const Ctl = {
  /** Requests submitted (written by the main thread; the primary waits on it). */
  Submitted: 0,
  /** Requests taken by a thread (compare-and-swap by the threads). */
  Taken: 1,
  /** Completions published (the main thread waits on it). */
  Completed: 2,
  /** 1 while the primary is awake (it is only notified when 0). */
  PrimaryAwake: 3,
  /** Completion ring positions reserved by the threads. */
  CompletionTail: 4,
  /** Helper wake generation (helpers wait on it). */
  HelperCall: 5,
} as const;

/** Typed views over the shared state (built the same way on both sides). */
export function views(state: SharedArrayBuffer): {
  ctl: Int32Array; submitRing: Int32Array; completionRing: Int32Array;
  fds: Int32Array; lengths: Int32Array; results: Int32Array; positions: Float64Array;
} {
  const ring = (i: number): Int32Array => new Int32Array(state, 64 + 4 * SLOTS * i, SLOTS);
  return {
    ctl: new Int32Array(state, 0, 16),
    submitRing: ring(0),
    // Entries are slot + 1 once published, 0 when consumed.
    completionRing: ring(1),
    fds: ring(2),
    lengths: ring(3),
    /** Bytes read, or -1 when the read failed. */
    results: ring(4),
    positions: new Float64Array(state, 64 + 4 * SLOTS * 5, SLOTS),
  };
}

export const STATE_BYTES = 64 + 4 * SLOTS * 5 + 8 * SLOTS;

export interface PreadWorkerData {
  readonly state: SharedArrayBuffer;
  readonly arena: SharedArrayBuffer;
  readonly primary: boolean;
}

/** `Atomics.waitAsync` (Node 16+; typed in TypeScript's ES2024 lib, this project targets ES2023). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number): { async: false } | { async: true; value: Promise<unknown> };
}).waitAsync;

interface Waiting {
  readonly fd: number;
  readonly buffer: Buffer;
  readonly at: number;
  readonly length: number;
  readonly position: number;
  readonly resolve: (bytesRead: number) => void;
  readonly reject: (err: unknown) => void;
}

function preadLibuv(w: Omit<Waiting, 'resolve' | 'reject'>): Promise<number> {
  return new Promise((resolve, reject) => {
    readFd(w.fd, w.buffer, w.at, w.length, w.position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
  });
}

class PreadThreads {
  private readonly state = new SharedArrayBuffer(STATE_BYTES);
  private readonly arena = Buffer.from(new SharedArrayBuffer(SLOTS * SLOT_BYTES));
  private readonly v = views(this.state);
  private readonly free = Array.from({ length: SLOTS }, (_, i) => SLOTS - 1 - i);
  private readonly waiting: (Waiting | undefined)[] = new Array(SLOTS).fill(undefined);
  private readonly workers: Worker[] = [];
  private submitted = 0;
  private completionHead = 0;
  private seen = 0;
  private pending = 0;
  private armed = false;
  broken = false;
  private readonly drainBound = (): void => this.drain();

  /** Whether the helpers run (started once a read was slow: each thread is an isolate of ~10 MB). */
  private helpers = false;

  constructor() {
    this.start(true);
  }

  private start(primary: boolean): void {
    const workerData: PreadWorkerData = { state: this.state, arena: this.arena.buffer as SharedArrayBuffer, primary };
    const worker = new Worker(new URL('./pread-worker.js', import.meta.url), { workerData });
    if (this.pending === 0) worker.unref();
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
    this.workers.push(worker);
  }

  /** Reads on a thread; undefined when no slot can take it (the caller uses fs.read). */
  read(fd: number, buffer: Buffer, at: number, length: number, position: number): Promise<number> | undefined {
    if (length > SLOT_BYTES || this.broken) return undefined;
    const slot = this.free.pop();
    if (slot === undefined) return undefined;
    const { ctl, fds, lengths, positions, submitRing } = this.v;
    fds[slot] = fd;
    lengths[slot] = length;
    positions[slot] = position;
    const done = new Promise<number>((resolve, reject) => {
      this.waiting[slot] = { fd, buffer, at, length, position, resolve, reject };
    });
    submitRing[this.submitted & (SLOTS - 1)] = slot;
    this.submitted = (this.submitted + 1) | 0;
    Atomics.store(ctl, Ctl.Submitted, this.submitted); // publishes the ring entry and the slot's fields
    if (Atomics.load(ctl, Ctl.PrimaryAwake) === 0) Atomics.notify(ctl, Ctl.Submitted, 1);
    if (this.pending++ === 0) for (const w of this.workers) w.ref();
    if (!this.armed) this.arm();
    return done;
  }

  private arm(): void {
    if (this.pending === 0 || this.broken) {
      this.armed = false;
      return;
    }
    this.armed = true;
    const wait = waitAsync(this.v.ctl, Ctl.Completed, this.seen);
    if (wait.async) void wait.value.then(this.drainBound);
    else queueMicrotask(this.drainBound);
  }

  /** Settles every published completion, then waits for the next. */
  private drain(): void {
    const { ctl, completionRing, results } = this.v;
    this.seen = Atomics.load(ctl, Ctl.Completed);
    if (!this.helpers && Atomics.load(ctl, Ctl.HelperCall) !== 0) {
      this.helpers = true; // a read missed the page cache: from now on helpers share the slow ones
      for (let i = 0; i < HELPERS; i++) this.start(false);
    }
    for (;;) {
      const entry = Atomics.load(completionRing, this.completionHead & (SLOTS - 1));
      if (entry === 0) break;
      Atomics.store(completionRing, this.completionHead & (SLOTS - 1), 0);
      this.completionHead = (this.completionHead + 1) | 0;
      const slot = entry - 1;
      const w = this.waiting[slot];
      if (!w) continue; // redone with fs.read after a thread died
      this.waiting[slot] = undefined;
      const bytesRead = results[slot] as number;
      if (bytesRead >= 0) this.arena.copy(w.buffer, w.at, slot * SLOT_BYTES, slot * SLOT_BYTES + bytesRead);
      this.free.push(slot);
      this.settled();
      if (bytesRead >= 0) w.resolve(bytesRead);
      else preadLibuv(w).then(w.resolve, w.reject); // the error, as fs.read reports it
    }
    this.arm();
  }

  private settled(): void {
    if (--this.pending === 0) for (const w of this.workers) w.unref();
  }

  /** A thread died: stop using them, redo what was pending with fs.read. */
  private fail(): void {
    if (this.broken) return;
    this.broken = true;
    for (let slot = 0; slot < SLOTS; slot++) {
      const w = this.waiting[slot];
      if (!w) continue;
      this.waiting[slot] = undefined;
      this.settled();
      preadLibuv(w).then(w.resolve, w.reject);
    }
    for (const w of this.workers) void w.terminate();
  }
}

let threads: PreadThreads | undefined;

/** One positioned read with libuv's `fs.read` (into memory the threads cannot reach without a copy). */
export function preadPool(fd: number, buffer: Buffer, at: number, length: number, position: number): Promise<number> {
  return preadLibuv({ fd, buffer, at, length, position });
}

/** One positioned read into `buffer[at, at + length)`; resolves the bytes read (0 at end of file). */
export function pread(fd: number, buffer: Buffer, at: number, length: number, position: number): Promise<number> {
  if (length <= SLOT_BYTES) {
    threads ??= new PreadThreads();
    const onThread = threads.read(fd, buffer, at, length, position);
    if (onThread) return onThread;
  }
  return preadLibuv({ fd, buffer, at, length, position });
}
