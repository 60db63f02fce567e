/**
 * The chunk store and manifests of one region as files (`<data>/engine/<region>/chunks/packs/` and
 * `manifests/*.json`, the layout src/engine/README.md documents): which chunks are stored (durably indexed), which
 * are referenced.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storedDigests } from '../../../src/engine/testing/stored-chunks.js';

/** The names in `dir`, or none if it does not exist. */
export async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** The chunks directory of `region`. */
export function chunksDirOf(dataDir: string, region: string): string {
  return join(dataDir, 'engine', region, 'chunks');
}

/** Digests of the chunks durably stored in `region`. */
export function storedChunks(dataDir: string, region: string): Promise<Set<string>> {
  return storedDigests(chunksDirOf(dataDir, region));
}

/** Digests the manifests of `region` reference. */
export async function referencedChunks(dataDir: string, region: string): Promise<Set<string>> {
  const dir = join(dataDir, 'engine', region, 'manifests');
  const out = new Set<string>();
  for (const file of await names(dir)) {
    if (!file.endsWith('.json')) continue;
    const manifest = JSON.parse(await readFile(join(dir, file), 'utf8')) as { chunks?: unknown[] };
    for (const d of manifest.chunks ?? []) if (typeof d === 'string') out.add(d);
  }
  return out;
}

/** Whether `<data>/engine/<region>/manifests/<snapshotId>.json` exists. */
export async function hasManifest(dataDir: string, region: string, snapshotId: string): Promise<boolean> {
  return (await names(join(dataDir, 'engine', region, 'manifests'))).includes(`${snapshotId}.json`);
}

/** Stored chunks no manifest references: what a collection may free. */
export async function unreferencedChunks(dataDir: string, region: string): Promise<Set<string>> {
  const referenced = await referencedChunks(dataDir, region);
  return new Set([...(await storedChunks(dataDir, region))].filter((d) => !referenced.has(d)));
}

/** Resolves once any of `digests` is no longer stored in `region` (polled every 5 ms). */
export async function firstDeleted(dataDir: string, region: string, digests: Iterable<string>): Promise<void> {
  const wanted = [...digests];
  for (;;) {
    const stored = await storedChunks(dataDir, region);
    if (wanted.some((d) => !stored.has(d))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}
