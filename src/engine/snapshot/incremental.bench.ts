/**
 * Prints (asserts nothing): the time, bytes read / stored and peak RSS of a
 * full snapshot of a disk full of data, then of an incremental one after 40
 * random 64 KiB writes, and the incremental/full time ratio (target <= 1/4).
 * Run: node <build>/src/engine/snapshot/incremental.bench.js [GiB=2] [chunk KiB=1024]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../../kernel/clock.js';
import { LocalBlockEngine } from '../local-engine.js';
import { Prng } from '../testing/fixtures.js';

const MiB = 1024 * 1024;

let peakRss = 0;
function sampleRss(): void {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}

/** Samples the RSS every 20 ms until `done` settles. */
async function sampleUntil(done: Promise<unknown>): Promise<void> {
  let settled = false;
  void done.finally(() => (settled = true)).catch(() => undefined);
  while (!settled) {
    sampleRss();
    await systemClock.sleep(20);
  }
}

async function timed(label: string, engine: LocalBlockEngine, snapshotId: string): Promise<number> {
  const before = process.memoryUsage().rss;
  peakRss = 0;
  const t = performance.now();
  const job = engine.beginSnapshot('d-bench', snapshotId).then(() => engine.runSnapshot(snapshotId));
  await sampleUntil(job);
  const info = await job;
  const ms = performance.now() - t;
  sampleRss();
  const stats = await engine.snapshotStats(snapshotId);
  console.log(`${label.padEnd(12)} ${(ms / 1000).toFixed(2).padStart(7)} s  read ${((stats?.bytesRead ?? 0) / MiB).toFixed(1)} MiB  ` +
    `stored ${(info.storedBytes / MiB).toFixed(1)} MiB  parent ${stats?.parent ?? '-'}  RSS ${(before / MiB).toFixed(0)} -> peak ${(peakRss / MiB).toFixed(0)} MiB`);
  return ms;
}

async function main(): Promise<void> {
  const size = Number(process.argv[2] ?? 2) * 1024 * MiB;
  const chunkSize = Number(process.argv[3] ?? 1024) * 1024;
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-incbench-'));
  const engine = await LocalBlockEngine.open({ dataDir: dir, clock: systemClock, chunkSize });
  try {
    await engine.createVolume('d-bench', size);
    const handle = (await engine.exports().open('d-bench'))!;
    const prng = new Prng('incremental-bench');
    for (let off = 0; off < size; off += 8 * MiB) await handle.device.write(off, prng.bytes(8 * MiB), false);
    await handle.device.flush();
    console.log(`disk ${size / MiB} MiB, chunk ${chunkSize / 1024} KiB, ${process.env.UV_THREADPOOL_SIZE ?? 4} libuv threads`);
    const full = await timed('full', engine, 's-full');
    for (let i = 0; i < 40; i++) await handle.device.write(prng.int(size / (64 * 1024)) * 64 * 1024, prng.bytes(64 * 1024), false);
    handle.release();
    const inc = await timed('incremental', engine, 's-inc');
    console.log(`incremental / full time: ${(inc / full).toFixed(3)} (target <= 0.25)`);
    console.log(`process maxRSS (whole run, incl. filling the disk): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
