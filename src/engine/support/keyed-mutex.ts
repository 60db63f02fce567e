/**
 * One async critical section per key: `run(key, fn)` waits for every earlier
 * `run` of the same key to finish. Different keys never wait for each other.
 * Idle keys are forgotten, so memory stays proportional to keys in use.
 */
export class KeyedMutex<K> {
  private readonly tails = new Map<K, Promise<void>>();

  async run<T>(key: K, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Whether some `run` for `key` is running or waiting. */
  busy(key: K): boolean {
    return this.tails.has(key);
  }
}
