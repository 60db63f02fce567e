#!/usr/bin/env node
// `npm run bench:chunks`: the chunk-size curve — full snapshot throughput,
// incremental cost after a 1% rewrite and manifest size per chunk size.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchConfig, loadEngine } from './lib/env.mjs';
import { planBytes, rewritePlan } from './lib/data.mjs';
import { applyPlan, createFilledVolume, manifestBytes, openEngine, snapshot, storedBytes } from './lib/engine.mjs';
import { machineLines } from './lib/machine.mjs';
import { makeWorkDir, runScript, timed } from './lib/proc.mjs';

const KIB = 1024;
const MIB = KIB * KIB;
const log = (msg) => console.error(`[bench:chunks] ${msg}`);

function chunkSizes() {
  const raw = process.env.BENCH_CHUNK_SIZES_KIB ?? '64,128,256,512,1024,4096';
  return raw.split(',').map((s) => Number(s.trim()) * KIB);
}

/** One point of the curve: a fresh engine with `chunkSize`, a full then an incremental snapshot. */
async function measure(mods, cfg, dir, chunkSize) {
  const dataDir = join(dir, `engine-${chunkSize / KIB}k`);
  const engine = await openEngine(mods, dataDir, chunkSize);
  try {
    const size = cfg.chunksBytes;
    await createFilledVolume(engine, 'disk', 'curve', size);
    const full = await timed(() => snapshot(engine, 'disk', 'snap-full'));
    const afterFull = await storedBytes(dataDir);
    const plan = rewritePlan('curve-rewrite', size, cfg.rewritePercent);
    await applyPlan(engine, 'disk', plan);
    const inc = await timed(() => snapshot(engine, 'disk', 'snap-inc'));
    const afterInc = await storedBytes(dataDir);
    return {
      chunk: `${chunkSize >= MIB ? `${chunkSize / MIB} MiB` : `${chunkSize / KIB} KiB`}`,
      fullMBs: size / full.seconds / 1e6,
      incSeconds: inc.seconds,
      incStored: afterInc - afterFull,
      changed: planBytes(plan),
      manifest: await manifestBytes(dataDir, 'snap-full'),
    };
  } finally {
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function print(points, cfg) {
  const header = ['chunk size', 'full snapshot', 'incremental time', 'incremental stored', '× changed bytes', 'manifest bytes'];
  const rows = points.map((p) => [
    p.chunk, `${p.fullMBs.toFixed(0)} MB/s`, `${p.incSeconds.toFixed(2)} s`, `${(p.incStored / MIB).toFixed(1)} MiB`,
    `${(p.incStored / p.changed).toFixed(1)}×`, `${p.manifest}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`disk ${cfg.chunksBytes / MIB} MiB of random data; incremental after rewriting ${cfg.rewritePercent}% `
    + `in 64 KiB writes (${((points[0]?.changed ?? 0) / MIB).toFixed(1)} MiB changed)`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

async function main() {
  const cfg = benchConfig();
  const mods = await loadEngine();
  const dir = makeWorkDir(cfg.tmpRoot, cfg.keep);
  const points = [];
  for (const chunkSize of chunkSizes()) {
    log(`chunk size ${chunkSize / KIB} KiB`);
    points.push(await measure(mods, cfg, dir, chunkSize));
  }
  console.log('');
  for (const line of machineLines(dir)) console.log(line);
  console.log('');
  print(points, cfg);
}

await runScript(main);
