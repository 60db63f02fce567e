/**
 * Crash-safe file primitives. "Durable" means fsync'ed, including the
 * directory entry: a file appears under its final name only complete.
 */
import { open, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let tempCounter = 0;

/** A temp-file name unique within this process (and, by pid, across processes). */
export function tempName(base: string): string {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `.tmp-${base}-${process.pid}-${tempCounter}`;
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** fsyncs a directory, making renames, creations and unlinks in it durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes all of `parts` one after another from `position` (one writev; loops over short writes). */
export async function writevFully(fh: FileHandle, parts: readonly Buffer[], position: number): Promise<void> {
  const total = parts.reduce((n, part) => n + part.length, 0);
  const { bytesWritten } = await fh.writev(parts, position);
  if (bytesWritten < total) await writeFully(fh, Buffer.concat(parts).subarray(bytesWritten), position + bytesWritten);
}

/** Writes all of `data` at `position` (loops over short writes). */
export async function writeFully(fh: FileHandle, data: Buffer, position: number | null): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position === null ? null : position + done);
    if (bytesWritten <= 0) throw new Error('short write');
    done += bytesWritten;
  }
}

/**
 * Atomically replaces `target` with `data`: temp file in `tempDir` (default:
 * the target's directory; must be on the same filesystem) → write → fsync →
 * rename → fsync the target's directory. The temp file is removed on failure.
 */
export async function writeFileDurable(target: string, data: Buffer, tempDir = dirname(target)): Promise<void> {
  await writeFileSynced(target, data, tempDir);
  await fsyncDir(dirname(target));
}

/**
 * `writeFileDurable` without the final directory fsync: the bytes are durable
 * and `target` only ever appears complete, but the new name itself becomes
 * durable only when the caller fsyncs the directory (callers that batch it).
 */
export async function writeFileSynced(target: string, data: Buffer, tempDir = dirname(target)): Promise<void> {
  const temp = join(tempDir, tempName(basename(target)));
  try {
    const fh = await open(temp, 'w', 0o644);
    try {
      await writeFully(fh, data, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Removes `path` durably. Resolves false if it did not exist. */
export async function unlinkDurable(path: string): Promise<boolean> {
  try {
    await unlink(path);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  await fsyncDir(dirname(path));
  return true;
}
