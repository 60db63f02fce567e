/**
 * Group commit: many callers share one flush (an fdatasync). `sync()` resolves
 * once a flush that started after the call has completed, so everything the
 * caller wrote before calling is covered; callers arriving while a flush runs
 * share the next one (at most one queued).
 */
export class GroupSync {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly flush: () => Promise<void>) {}

  sync(): Promise<void> {
    if (!this.running) return this.start();
    if (!this.queued) {
      const start = (): Promise<void> => {
        this.queued = undefined;
        return this.start();
      };
      this.queued = this.running.then(start, start);
    }
    return this.queued;
  }

  /** Waits for the flushes in progress or queued (their failures are the callers' to see). */
  async idle(): Promise<void> {
    await Promise.allSettled([this.running, this.queued]);
  }

  private start(): Promise<void> {
    const running: Promise<void> = this.flush().finally(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
    return running;
  }
}
