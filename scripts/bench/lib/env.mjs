// Benchmark configuration (environment variables) and the compiled engine's modules.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';

const MIB = 1024 * 1024;
export const repoRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/** Every knob of `npm run bench` / `npm run bench:chunks`. */
export function benchConfig() {
  const sizeMib = intEnv('BENCH_SIZE_MIB', 2048);
  const rows = (process.env.BENCH_ROWS ?? '1,2,3,4,5,6').split(',').map((s) => Number(s.trim()));
  return {
    sizeBytes: sizeMib * MIB,
    dedupBytes: intEnv('BENCH_DEDUP_MIB', Math.max(1, Math.floor(sizeMib / 2))) * MIB,
    dedupDisks: intEnv('BENCH_DEDUP_DISKS', 10),
    chunksBytes: intEnv('BENCH_CHUNKS_SIZE_MIB', Math.max(1, Math.floor(sizeMib / 2))) * MIB,
    fioSeconds: intEnv('BENCH_FIO_SECONDS', 10),
    rewritePercent: Number(process.env.BENCH_REWRITE_PERCENT ?? 1),
    rows: new Set(rows),
    tmpRoot: process.env.BENCH_TMPDIR,
    keep: process.env.BENCH_KEEP === '1',
  };
}

/** The compiled engine: `dist/` after `npm run build`, or EDGESNAP_BUILD_DIR (relative to the repo). */
export async function loadEngine() {
  const build = resolve(repoRoot, process.env.EDGESNAP_BUILD_DIR ?? 'dist');
  const load = (rel) => import(pathToFileURL(join(build, rel)).href);
  const [engine, nbd, clock] = await Promise.all([
    load('src/engine/index.js'), load('src/engine/nbd/server.js'), load('src/kernel/clock.js'),
  ]);
  return { LocalBlockEngine: engine.LocalBlockEngine, NbdServer: nbd.NbdServer, clock: clock.systemClock, build };
}

export { MIB };
