/**
 * Starts the write-back of a file being written in bulk while it is written
 * (one fdatasync at a time, every `everyBytes`), instead of leaving it all to
 * the final fsync: on a machine with much memory the kernel's own background
 * write-back starts only at gigabytes of dirty pages, so a restore or a pack
 * would otherwise write nothing until the end, then wait for the disk alone.
 *
 * A failed early fdatasync is kept and thrown by `finish()`: Linux reports a
 * write-back error to one fsync of the file description only, so the final
 * fsync would not see it again.
 */
import type { FileHandle } from 'node:fs/promises';

export class FlushBehind {
  private pending = 0;
  private running: Promise<void> | undefined;
  private failure: { readonly err: unknown } | undefined;

  constructor(private readonly fh: FileHandle, private readonly everyBytes: number) {}

  /** `bytes` more were written: start an fdatasync if enough piled up and none is running. */
  wrote(bytes: number): void {
    this.pending += bytes;
    if (this.pending < this.everyBytes || this.running) return;
    this.pending = 0;
    this.running = this.fh.datasync().catch((err: unknown) => {
      this.failure ??= { err };
    }).finally(() => {
      this.running = undefined;
    });
  }

  /** Waits for the fdatasync in flight, then makes the file durable (fsync); throws any failure seen. */
  async finish(): Promise<void> {
    await this.running;
    if (this.failure) throw this.failure.err;
    await this.fh.sync();
  }
}
