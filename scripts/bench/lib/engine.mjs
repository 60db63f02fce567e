// The engine side of the benchmarks, through the public engine API only
// (LocalBlockEngine + its ExportResolver's BlockDevice).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachBlock } from './data.mjs';

const READ_BLOCK = 4 * 1024 * 1024;

export function openEngine(mods, dataDir, chunkSize) {
  return mods.LocalBlockEngine.open({
    dataDir, clock: mods.clock, ...(chunkSize ? { chunkSize } : {}), onWarning: (m) => console.error(`engine: ${m}`),
  });
}

/** Runs `fn(device)` with volume `id`'s NBD device, released afterwards. */
export async function withDevice(engine, id, fn) {
  const handle = await engine.exports().open(id);
  if (!handle) throw new Error(`volume ${id} is not servable`);
  try {
    return await fn(handle.device);
  } finally {
    handle.release();
  }
}

/** Creates volume `id` and fills it (and the file `imagePath`, if given) with the image of `seed`. */
export async function createFilledVolume(engine, id, seed, size, imagePath) {
  await engine.createVolume(id, size);
  const file = imagePath ? await open(imagePath, 'w') : undefined;
  try {
    await withDevice(engine, id, async (device) => {
      await forEachBlock(seed, size, (offset, data) => Promise.all([
        device.write(offset, data, false), file?.write(data, 0, data.length, offset),
      ]));
      await device.flush();
    });
    await file?.sync();
  } finally {
    await file?.close();
  }
}

/** Applies a rewrite plan to volume `id` (and to `imagePath`, if given), flushed. */
export async function applyPlan(engine, id, plan, imagePath) {
  const file = imagePath ? await open(imagePath, 'r+') : undefined;
  try {
    await withDevice(engine, id, async (device) => {
      for (const { offset, data } of plan) {
        await Promise.all([device.write(offset, data, false), file?.write(data, 0, data.length, offset)]);
      }
      await device.flush();
    });
    await file?.sync();
  } finally {
    await file?.close();
  }
}

/** Begins and runs snapshot `snapshotId` of `volumeId`; resolves the ManifestInfo. */
export async function snapshot(engine, volumeId, snapshotId) {
  await engine.beginSnapshot(volumeId, snapshotId);
  return engine.runSnapshot(snapshotId);
}

/** SHA-256 (hex) of volume `id`'s bytes, read through its device (two reads in flight). */
export function hashVolume(engine, id) {
  return withDevice(engine, id, async (device) => {
    const hash = createHash('sha256');
    const size = device.size;
    let pending = size > 0 ? device.read(0, Math.min(READ_BLOCK, size)) : undefined;
    for (let offset = 0; offset < size; offset += READ_BLOCK) {
      const next = offset + READ_BLOCK;
      const ahead = next < size ? device.read(next, Math.min(READ_BLOCK, size - next)) : undefined;
      hash.update(await pending);
      pending = ahead;
    }
    return hash.digest('hex');
  });
}

/** SHA-256 (hex) of a file. */
export function hashFile(path) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path, { highWaterMark: READ_BLOCK })
      .on('data', (d) => hash.update(d)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}

/** Files under `dir`, recursively: [{ path, name, size }]. */
export async function walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else if (e.isFile()) out.push({ path, name: e.name, size: (await stat(path)).size });
  }
  return out;
}

/** Bytes the engine keeps for snapshots: every file of its data dir except live volumes and temp files. */
export async function storedBytes(dataDir) {
  const skip = new Set(['volumes', 'tmp', 'sessions']);
  const top = await readdir(dataDir, { withFileTypes: true });
  let total = 0;
  for (const e of top) {
    if (skip.has(e.name)) continue;
    const files = e.isDirectory() ? await walk(join(dataDir, e.name)) : [{ size: (await stat(join(dataDir, e.name))).size }];
    total += files.reduce((n, f) => n + f.size, 0);
  }
  return total;
}

/** Bytes of snapshot `snapshotId`'s metadata (its manifest file(s), found by name). */
export async function manifestBytes(dataDir, snapshotId) {
  const files = (await walk(dataDir)).filter((f) => f.name.startsWith(snapshotId) && !f.path.includes('/volumes/'));
  return files.reduce((n, f) => n + f.size, 0);
}
