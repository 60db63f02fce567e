/**
 * The chunk store and manifests of one region as files (`<data>/engine/<region>/chunks/<2 hex>/<digest>` and
 * `manifests/*.json`, the layout src/engine/README.md documents): which chunks are stored, which are referenced.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The names in `dir`, or none if it does not exist. */
export async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Digests of the chunk files stored in `region` (temp files of puts in progress excluded). */
export async function storedChunks(dataDir: string, region: string): Promise<Set<string>> {
  const root = join(dataDir, 'engine', region, 'chunks');
  const out = new Set<string>();
  for (const prefix of await names(root)) {
    for (const file of await names(join(root, prefix))) if (/^[0-9a-f]{64}$/.test(file)) out.add(file);
  }
  return out;
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
  const paths = [...digests].map((d) => join(dataDir, 'engine', region, 'chunks', d.slice(0, 2), d));
  for (;;) {
    for (const path of paths) {
      if (!(await access(path).then(() => true, () => false))) return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
