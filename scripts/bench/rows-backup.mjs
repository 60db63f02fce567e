// Rows 1–3: full snapshot, incremental after a 1% rewrite, restore (lazy and eager) — each next to restic.
import { join } from 'node:path';
import { rewritePlan, planBytes } from './lib/data.mjs';
import { applyPlan, hashFile, hashVolume, snapshot } from './lib/engine.mjs';
import { Restic } from './lib/restic.mjs';
import { settle, timed } from './lib/proc.mjs';
import { addFailedRow, addRow } from './lib/table.mjs';

const MB = 1e6;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(bytes % 2 ** 20 ? 1 : 0)} MiB`;

/** Row 1: beginSnapshot + runSnapshot of the filled disk vs `restic backup` of the same image file. */
async function fullRow(ctx, restic) {
  const { engine, imagePath, size } = ctx;
  settle();
  // The issue bounds memory: peak RSS under 300 MiB while snapshotting 2 GiB (this process, sampled every 20 ms).
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
  const full = await timed(() => snapshot(engine, 'disk', 'snap-full')).finally(() => clearInterval(sampler));
  settle();
  const resticSeconds = await restic.backup(imagePath);
  addRow({
    id: '1', what: `full snapshot, ${mib(size)} random (MB/s)`, unit: 'MB/s', target: 2,
    edgesnap: size / full.seconds / MB, reference: size / resticSeconds / MB,
    note: `full: edgesnap ${full.seconds.toFixed(1)} s (${mib(full.result.storedBytes)} stored, peak RSS `
      + `${mib(peakRss)}), restic backup ${resticSeconds.toFixed(1)} s (repo ${mib(await restic.repoBytes())})`,
  });
}

/** Row 2: rewrite `percent`% in 64 KiB writes (volume and image alike), then a second snapshot / backup. */
async function incrementalRow(ctx, restic) {
  const { engine, imagePath, size, cfg } = ctx;
  const plan = rewritePlan('row2', size, cfg.rewritePercent);
  await applyPlan(engine, 'disk', plan, imagePath);
  const repoBefore = await restic.repoBytes();
  settle();
  const inc = await timed(() => snapshot(engine, 'disk', 'snap-inc'));
  settle();
  const resticSeconds = await restic.backup(imagePath);
  addRow({
    id: '2', what: `incremental after ${cfg.rewritePercent}% rewrite in 64 KiB writes (s)`, unit: 's',
    better: 'speedup', target: 10, edgesnap: inc.seconds, reference: resticSeconds,
    note: `${plan.length} writes, ${mib(planBytes(plan))} changed; stored: edgesnap ${mib(inc.result.storedBytes)}, `
      + `restic repo +${mib((await restic.repoBytes()) - repoBefore)}`,
  });
}

/**
 * Row 3: a disk made from the snapshot and read back in full (SHA-256) vs `restic restore` + SHA-256 of the
 * restored file. 3 is what CreateDisk from a snapshot does, a lazy restore: the disk is served at once from the
 * chunk store while its background fill runs alongside the read-back (the fill's end is noted). 3b is the eager
 * restoreVolume: the whole volume written, then read back. Both are timed against the same restic run.
 */
async function restoreRow(ctx, restic) {
  const { engine, imagePath, size, dir } = ctx;
  const expected = await hashFile(imagePath);
  settle();
  const lazy = await (async () => {
    const started = performance.now();
    await engine.beginLazyRestore('snap-inc', 'lazy', size);
    let fillSeconds;
    const fill = engine.fillVolume('lazy').then(() => (fillSeconds = (performance.now() - started) / 1000));
    fill.catch(() => undefined); // awaited below, after the read-back
    const hash = await hashVolume(engine, 'lazy');
    const readSeconds = (performance.now() - started) / 1000;
    await fill;
    return { hash, readSeconds, fillSeconds };
  })();
  settle();
  const eager = await timed(async () => {
    await engine.restoreVolume('snap-inc', 'restored', size);
    return hashVolume(engine, 'restored');
  });
  settle();
  const theirs = await timed(async () => {
    const { path } = await restic.restoreLatest(join(dir, 'restic-restore'), 'disk.raw');
    return hashFile(path);
  });
  const wrong = [lazy.hash !== expected && 'edgesnap lazy', eager.result !== expected && 'edgesnap eager',
    theirs.result !== expected && 'restic'].filter(Boolean);
  if (wrong.length > 0) throw new Error(`restored image differs from the source: ${wrong.join(', ')}`);
  const { readSeconds, fillSeconds } = lazy;
  addRow({
    id: '3', what: `disk from snapshot (lazy) + SHA-256 read-back, ${mib(size)} (MB/s)`, unit: 'MB/s', target: 2,
    edgesnap: size / readSeconds / MB, reference: size / theirs.seconds / MB,
    note: `read back in ${readSeconds.toFixed(1)} s with the fill alongside (fill done at ${fillSeconds.toFixed(1)} s); `
      + `restic restore + read-back ${theirs.seconds.toFixed(1)} s; every image verified`,
  });
  addRow({
    id: '3b', what: `eager restore + SHA-256 read-back, ${mib(size)} (MB/s)`, unit: 'MB/s', target: 2,
    edgesnap: size / eager.seconds / MB, reference: size / theirs.seconds / MB,
    note: `restoreVolume + read-back ${eager.seconds.toFixed(1)} s, restic ${theirs.seconds.toFixed(1)} s`,
  });
}

export async function backupRows(ctx) {
  const restic = new Restic(ctx.dir);
  await restic.init();
  const steps = [
    ['1', 'full snapshot', fullRow], ['2', 'incremental after rewrite', incrementalRow], ['3', 'restore', restoreRow],
  ];
  for (const [id, what, fn] of steps) {
    ctx.log(`row ${id}: ${what}`);
    try {
      await fn(ctx, restic);
    } catch (err) {
      addFailedRow(id, what, err);
      ctx.log(`row ${id} failed: ${err.stack ?? err}`);
    }
  }
}
