/**
 * Most bytes of one run: what the snapshot job reads, and a restore or the lazy
 * fill writes, with one call (64 KiB chunks one by one cost a round trip each).
 */
export const RUN_BYTES = 1024 * 1024;

/** Chunks per run, and runs in flight for about `concurrency` chunks at once (at least two). */
export function runPlan(chunkSize: number, concurrency: number): { perRun: number; inFlight: number } {
  const perRun = Math.max(1, Math.floor(RUN_BYTES / chunkSize));
  return { perRun, inFlight: Math.max(2, Math.ceil(concurrency / perRun)) };
}

/**
 * Ascending chunk indexes cut into runs of consecutive ones, each at most
 * `maxLength` long: what is fetched from the store together and written as one
 * extent (restores, the lazy fill, lazy reads).
 */
export function consecutiveRuns(indexes: readonly number[], maxLength = Infinity): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  for (const index of indexes) {
    if (run.length > 0 && (index !== run[run.length - 1]! + 1 || run.length >= maxLength)) {
      runs.push(run);
      run = [];
    }
    run.push(index);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
