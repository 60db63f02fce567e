/**
 * Prints (asserts nothing): zstd ratio and MB/s for compressible and random
 * 1 MiB chunks at a few levels, and the time of a garbage collection over a
 * store with many chunks. Run: node <build>/src/engine/gc/chunks.bench.js [chunks]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../../kernel/clock.js';
import { sha256Hex } from '../chunks/chunk-store.js';
import { decodeChunk, encodeChunk } from '../chunks/codec.js';
import { FsChunkStore } from '../chunks/fs-chunk-store.js';
import { ChunkGuard } from './chunk-guard.js';
import { ChunkMaintenance } from './collector.js';

const MiB = 1024 * 1024;

async function compressibleSample(): Promise<Buffer> {
  // Real text and machine code of this machine: node's own binary and sources, like a guest's files.
  const parts: Buffer[] = [];
  for (const path of [process.execPath, join(import.meta.dirname, 'collector.js'), '/etc/services']) {
    try { parts.push((await readFile(path)).subarray(0, 24 * MiB)); } catch { /* absent */ }
  }
  return Buffer.concat(parts).subarray(0, 16 * MiB);
}

function codecRow(name: string, sample: Buffer, level: number): void {
  const chunks = Array.from({ length: Math.floor(sample.length / MiB) }, (_, i) => sample.subarray(i * MiB, (i + 1) * MiB));
  let t = performance.now();
  const files = chunks.map((c) => encodeChunk(c, level).file);
  const enc = performance.now() - t;
  t = performance.now();
  for (const f of files) decodeChunk(f);
  const dec = performance.now() - t;
  const stored = files.reduce((n, f) => n + f.length, 0);
  const mb = sample.length / 1e6;
  console.log(`${name.padEnd(13)} level ${String(level).padStart(2)}  ratio ${(sample.length / stored).toFixed(2).padStart(5)}  ` +
    `compress ${(mb / (enc / 1000)).toFixed(0).padStart(5)} MB/s  decompress ${(mb / (dec / 1000)).toFixed(0).padStart(5)} MB/s`);
}

async function gcRow(count: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'edgesnap-gcbench-'));
  try {
    const store = await FsChunkStore.open(join(dir, 'chunks'), { compressionLevel: 0 });
    const small = 4096; // many small chunks: GC cost is per chunk file, not per byte
    let t = performance.now();
    for (let i = 0; i < count; i++) {
      const data = randomBytes(small);
      await store.put(sha256Hex(data), data);
    }
    const fill = performance.now() - t;
    const guard = new ChunkGuard(systemClock, 0);
    const dirs = { sessions: join(dir, 's'), manifests: join(dir, 'm'), volumes: join(dir, 'v') };
    const gc = new ChunkMaintenance({ store, guard, clock: systemClock, dirs, concurrency: 8 });
    t = performance.now();
    const result = await gc.collectGarbage();
    const took = performance.now() - t;
    console.log(`gc: ${count} chunks stored in ${(fill / 1000).toFixed(1)} s; collecting all of them took ` +
      `${(took / 1000).toFixed(2)} s (${Math.round(count / (took / 1000))} chunks/s), deleted ${result.chunksDeleted}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const text = await compressibleSample();
const random = randomBytes(16 * MiB);
for (const level of [1, 3]) codecRow('compressible', text, level);
for (const level of [1, 3]) codecRow('random', random, level);
await gcRow(Number(process.argv[2] ?? 20000));
