/**
 * A small buffered reader over a byte stream: `read(n)` resolves with exactly n
 * bytes, `skip(n)` discards n bytes. Chunks are queued without concatenation;
 * a read that is not yet satisfiable allocates its target once and arriving
 * data is copied straight into it, so a 32 MiB WRITE payload costs one
 * allocation and one copy. The stream is paused while more than `highWater`
 * bytes wait unread (TCP back-pressure), and resumed when a read needs more.
 */
import { ConnectionClosedError } from './errors.js';

/** The part of a `net.Socket` (or any Readable) the reader uses. */
export interface ByteSource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

type Pending =
  | { kind: 'read'; target: Buffer; filled: number; resolve: (b: Buffer) => void; reject: (e: Error) => void }
  | { kind: 'skip'; remaining: number; resolve: () => void; reject: (e: Error) => void };

export class ByteReader {
  private readonly queue: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private pending: Pending | undefined;
  private closed: Error | undefined;

  constructor(
    private readonly source: ByteSource,
    private readonly highWater = 1 << 20,
  ) {
    source.on('data', (chunk) => this.onData(chunk));
    source.on('end', () => this.fail(new ConnectionClosedError('peer closed the connection')));
    source.on('close', () => this.fail(new ConnectionClosedError()));
    source.on('error', (err) => this.fail(new ConnectionClosedError(`socket error: ${err.message}`)));
  }

  /** Bytes received and not yet consumed. */
  get bufferedLength(): number {
    return this.buffered;
  }

  /**
   * Exactly `n` bytes; rejects with ConnectionClosedError if the stream ends
   * first. With `into` (at least `n` bytes long) they are copied into its
   * first `n` bytes instead of a new buffer (or a view of a received chunk).
   */
  read(n: number, into?: Buffer): Promise<Buffer> {
    this.assertIdle();
    if (this.buffered >= n) return Promise.resolve(into ? this.takeInto(into.subarray(0, n)) : this.take(n));
    if (this.closed) return Promise.reject(this.closed);
    const target = into ? into.subarray(0, n) : Buffer.allocUnsafe(n);
    const filled = this.drainInto(target);
    this.afterConsume();
    return new Promise<Buffer>((resolve, reject) => {
      this.pending = { kind: 'read', target, filled, resolve, reject };
      this.source.resume();
    });
  }

  /** Discards exactly `n` bytes without keeping them. */
  skip(n: number): Promise<void> {
    this.assertIdle();
    const now = Math.min(n, this.buffered);
    this.discard(now);
    if (now === n) return Promise.resolve();
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<void>((resolve, reject) => {
      this.pending = { kind: 'skip', remaining: n - now, resolve, reject };
      this.source.resume();
    });
  }

  private assertIdle(): void {
    if (this.pending) throw new Error('ByteReader: only one read at a time');
  }

  private onData(chunk: Buffer): void {
    const used = this.feedPending(chunk);
    if (used < chunk.length) this.enqueue(used === 0 ? chunk : chunk.subarray(used));
    if (this.buffered >= this.highWater) this.source.pause();
  }

  /** Gives the pending read/skip what it needs from `chunk`; returns bytes used. */
  private feedPending(chunk: Buffer): number {
    const p = this.pending;
    if (!p) return 0;
    if (p.kind === 'read') {
      const used = chunk.copy(p.target, p.filled, 0, Math.min(chunk.length, p.target.length - p.filled));
      p.filled += used;
      if (p.filled === p.target.length) {
        this.pending = undefined;
        p.resolve(p.target);
      }
      return used;
    }
    const used = Math.min(chunk.length, p.remaining);
    p.remaining -= used;
    if (p.remaining === 0) {
      this.pending = undefined;
      p.resolve();
    }
    return used;
  }

  private enqueue(chunk: Buffer): void {
    this.queue.push(chunk);
    this.buffered += chunk.length;
  }

  /** Removes `n` buffered bytes (n <= buffered); zero-copy when one chunk holds them. */
  private take(n: number): Buffer {
    const first = this.queue[this.head];
    let out: Buffer;
    if (first !== undefined && first.length >= n) {
      out = first.subarray(0, n);
      this.discard(n);
    } else {
      out = Buffer.allocUnsafe(n);
      this.drainInto(out);
    }
    this.afterConsume();
    return out;
  }

  /** Removes `target.length` buffered bytes (no more than buffered) into `target`. */
  private takeInto(target: Buffer): Buffer {
    this.drainInto(target);
    this.afterConsume();
    return target;
  }

  /** Copies buffered bytes into `target` until it is full or the queue is empty. */
  private drainInto(target: Buffer): number {
    let filled = 0;
    while (filled < target.length && this.head < this.queue.length) {
      const chunk = this.queue[this.head] as Buffer;
      const n = chunk.copy(target, filled, 0, Math.min(chunk.length, target.length - filled));
      filled += n;
      this.consumeFront(chunk, n);
    }
    return filled;
  }

  private discard(n: number): void {
    let left = n;
    while (left > 0) {
      const chunk = this.queue[this.head] as Buffer;
      const used = Math.min(left, chunk.length);
      this.consumeFront(chunk, used);
      left -= used;
    }
    this.afterConsume();
  }

  private consumeFront(chunk: Buffer, n: number): void {
    this.buffered -= n;
    if (n === chunk.length) {
      this.queue[this.head] = EMPTY;
      this.head++;
    } else {
      this.queue[this.head] = chunk.subarray(n);
    }
  }

  private afterConsume(): void {
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.buffered < this.highWater && !this.closed) this.source.resume();
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = err;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }
}

const EMPTY = Buffer.alloc(0);
