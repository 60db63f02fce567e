/**
 * Runs `fn` over `items` with at most `limit` calls in flight. Stops taking new
 * items at the first failure or when `signal` aborts, waits for the calls in
 * flight, then rethrows the first error (or the abort reason).
 */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;

  async function worker(): Promise<void> {
    for (;;) {
      if (failure) return;
      if (signal?.aborted) {
        failure ??= { error: signal.reason };
        return;
      }
      const next = iterator.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (error) {
        failure ??= { error };
        return;
      }
    }
  }

  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.max(1, limit); i++) workers.push(worker());
  await Promise.all(workers);
  if (failure) throw failure.error;
}

/**
 * Waits for every promise to settle (none is left running behind the caller's
 * back), then answers their values, or throws the first failure — having
 * handed each value that did arrive to `discard` (to give back what it holds).
 */
export async function settleAll<T>(promises: readonly Promise<T>[], discard?: (value: T) => void): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const values = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (!failed) return values;
  if (discard) for (const value of values) discard(value);
  throw failed.reason;
}
