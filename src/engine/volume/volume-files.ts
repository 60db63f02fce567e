/**
 * The files of one volume: `<id>.raw` (sparse), its allocation map
 * `<id>.alloc` and, while an eager restore runs, `<id>.raw.restoring`.
 */
import { open, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDir, isNotFound, tempName, unlinkDurable } from '../support/durable-fs.js';
import { AllocationMap, allocationPathOf } from './allocation-map.js';

/**
 * Creates an empty volume durably: the allocation map first (a volume file
 * never exists without one), `beforeAppear`, then the sparse file.
 */
export async function createVolumeFiles(path: string, sizeBytes: number, chunkSize: number, tempDir: string,
  beforeAppear: () => Promise<void>): Promise<void> {
  await AllocationMap.create(allocationPathOf(path), sizeBytes, chunkSize);
  await beforeAppear();
  await publishSparseFile(path, sizeBytes, tempDir);
}

/** Makes a sparse file of `sizeBytes` appear at `path` complete: temp file in `tempDir`, fsync, rename, directory fsync. */
export async function publishSparseFile(path: string, sizeBytes: number, tempDir: string): Promise<void> {
  const temp = join(tempDir, tempName(basename(path)));
  const fh = await open(temp, 'w', 0o644);
  try {
    await fh.truncate(sizeBytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, path);
  await fsyncDir(dirname(path));
}

/** Removes a volume's files durably (those that exist). */
export async function removeVolumeFiles(path: string): Promise<void> {
  await unlinkDurable(`${path}.restoring`);
  await unlinkDurable(path);
  await unlinkDurable(allocationPathOf(path));
}

/** The size of the volume file at `path`, or undefined if there is none. */
export async function volumeFileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
