/**
 * Appends to one file in call order, batched: the writer starts on the next
 * turn of the event loop, so everything appended in this turn (every capture
 * or put that completed in one poll) goes out in one write, and appends made
 * while a write runs go out together in the next. An append resolves once its
 * bytes are written (not durable: the caller syncs).
 */
import type { FileHandle } from 'node:fs/promises';
import { writeFully } from './durable-fs.js';

interface Queued {
  readonly bytes: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class BatchedAppends {
  private queue: Queued[] = [];
  private writer: Promise<void> | undefined;

  /** `position`: where the next byte goes; null for a file opened in append mode. */
  constructor(private readonly fh: FileHandle, private position: number | null) {}

  append(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, resolve, reject });
      this.writer ??= new Promise<void>((next) => setImmediate(next)).then(() => this.drain());
    });
  }

  /** Resolves when every append made so far has been written (or has failed). */
  async idle(): Promise<void> {
    await this.writer;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const bytes = Buffer.concat(batch.map((q) => q.bytes));
      try {
        await writeFully(this.fh, bytes, this.position);
        for (const q of batch) q.resolve();
      } catch (err) {
        for (const q of batch) q.reject(err);
      }
      // A failed write leaves a hole its readers skip (the logs check each record).
      if (this.position !== null) this.position += bytes.length;
    }
    this.writer = undefined;
  }
}
