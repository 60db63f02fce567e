/**
 * The mark phase: every chunk digest referenced on disk by
 *   1. open copy-before-write sessions (`sessions/*.session`, and set-aside
 *      `*.session.corrupt` files, in case an operator salvages one),
 *   2. finished snapshots (`manifests/*.json`),
 *   3. lazy restores in progress (`volumes/*.lazy`: a copy of the source manifest).
 * Sessions are read before manifests: a job writes its manifest before it
 * removes its session file, so a session seen gone had its manifest in place.
 *
 * Conservative by construction: a manifest that does not validate, and every
 * session file, counts by each 64-hex string it contains (an extra string only
 * keeps an extra chunk). Chunks referenced by jobs in memory are the guard's
 * business (chunk-guard.ts), not this file's.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeManifest } from '../snapshot/manifest.js';
import { isNotFound } from '../support/durable-fs.js';

export interface MarkDirs {
  readonly sessions: string;
  readonly manifests: string;
  readonly volumes: string;
}

const DIGESTS = /[0-9a-f]{64}/g;

async function filesIn(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(keep).sort().map((name) => join(dir, name));
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'latin1');
  } catch (err) {
    if (isNotFound(err)) return undefined; // removed meanwhile: its successor is read later (see above)
    throw err;
  }
}

function addAll(into: Set<string>, text: string): void {
  for (const match of text.matchAll(DIGESTS)) into.add(match[0]);
}

function addManifest(into: Set<string>, text: string, where: string): void {
  let chunks: readonly (string | null)[];
  try {
    chunks = decodeManifest(text, where).chunks;
  } catch {
    addAll(into, text);
    return;
  }
  for (const digest of chunks) if (digest !== null) into.add(digest);
}

/** Every digest referenced by a session, a manifest or a lazy restore under `dirs`. */
export async function markReferenced(dirs: MarkDirs, signal?: AbortSignal): Promise<Set<string>> {
  const referenced = new Set<string>();
  for (const path of await filesIn(dirs.sessions, (n) => n.endsWith('.session') || n.endsWith('.session.corrupt'))) {
    signal?.throwIfAborted();
    const text = await readText(path);
    if (text !== undefined) addAll(referenced, text);
  }
  const manifests = await filesIn(dirs.manifests, (n) => n.endsWith('.json'));
  const lazy = await filesIn(dirs.volumes, (n) => n.endsWith('.lazy'));
  for (const path of [...manifests, ...lazy]) {
    signal?.throwIfAborted();
    const text = await readText(path);
    if (text !== undefined) addManifest(referenced, text, path);
  }
  return referenced;
}

/** The digests finished manifests reference, by manifest (scrub's "missing" check); unreadable ones listed apart. */
export async function manifestReferences(manifestsDir: string): Promise<{ digests: Map<string, string>; unreadable: string[] }> {
  const digests = new Map<string, string>();
  const unreadable: string[] = [];
  for (const path of await filesIn(manifestsDir, (n) => n.endsWith('.json'))) {
    const text = await readText(path);
    if (text === undefined) continue;
    const id = path.slice(manifestsDir.length + 1, -'.json'.length);
    try {
      for (const digest of decodeManifest(text, id).chunks) if (digest !== null && !digests.has(digest)) digests.set(digest, id);
    } catch {
      unreadable.push(id);
    }
  }
  return { digests, unreadable };
}
