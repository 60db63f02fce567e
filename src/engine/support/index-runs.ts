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
