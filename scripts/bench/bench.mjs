#!/usr/bin/env node
// `npm run bench`: edgesnap next to restic, qemu-nbd and an ideal store, one table.
// Sizes and rows by environment: see docs/benchmarks.md.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { benchConfig, loadEngine } from './lib/env.mjs';
import { createFilledVolume, openEngine } from './lib/engine.mjs';
import { machineLines } from './lib/machine.mjs';
import { makeWorkDir, onCleanup, runScript, timed } from './lib/proc.mjs';
import { printTable } from './lib/table.mjs';
import { backupRows } from './rows-backup.mjs';
import { dedupRow } from './rows-dedup.mjs';
import { guestWriteRow, nbdRows } from './rows-nbd.mjs';

const log = (msg) => console.error(`[bench] ${msg}`);

/** The engine, its `disk` volume filled with random data and the image file with the same bytes. */
async function setUp(cfg, mods, dir, withDisk) {
  const engine = await openEngine(mods, join(dir, 'engine'));
  onCleanup(() => engine.close());
  if (!withDisk) return { engine };
  mkdirSync(join(dir, 'image'));
  const imagePath = join(dir, 'image', 'disk.raw');
  log(`setup: writing ${cfg.sizeBytes / 2 ** 20} MiB of random data into volume "disk" and ${imagePath}`);
  const { seconds } = await timed(() => createFilledVolume(engine, 'disk', 'disk', cfg.sizeBytes, imagePath));
  log(`setup: done in ${seconds.toFixed(1)} s`);
  return { engine, imagePath };
}

async function main() {
  const cfg = benchConfig();
  const mods = await loadEngine();
  const dir = makeWorkDir(cfg.tmpRoot, cfg.keep);
  log(`engine from ${mods.build}; work dir ${dir}`);
  const ctx = { cfg, mods, dir, log, size: cfg.sizeBytes };
  const wants = (...ids) => ids.some((id) => cfg.rows.has(id));
  if (wants(1, 2, 3, 4, 5)) Object.assign(ctx, await setUp(cfg, mods, dir, wants(1, 2, 3, 4)));
  if (wants(1, 2, 3)) await backupRows(ctx);
  if (wants(4)) await nbdRows(ctx);
  if (wants(5)) await guestWriteRow(ctx);
  if (wants(6)) await dedupRow(ctx);
  console.log('');
  for (const line of machineLines(dir)) console.log(line);
  console.log('');
  printTable();
}

await runScript(main);
