/**
 * One engine's (one region's) data directory; the fleet (regional-engines.ts)
 * keeps one per region at `<dataDir>/<regionId>/`, sharing nothing:
 *
 *   volumes/<id>.raw              live disks (sparse files); <id>.raw.restoring while restoring
 *   volumes/<id>.alloc            which chunks of <id> were ever written (see volume/allocation-map.ts)
 *   chunks/packs/                 the chunk store: <8 hex>.pack files and index.log (chunks/pack/)
 *   chunks/<2 hex>/<digest>       chunk files of the older one-file-per-chunk store (still read)
 *   manifests/<snapshotId>.json   finished snapshots (taken here, or copied in: snapshot/copy.ts)
 *   sessions/<snapshotId>.session open copy-before-write sessions (and .stage: chunks parked for guest writes)
 *   tmp/                          temp files for atomic creation (emptied at start)
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from './support/durable-fs.js';

export interface Layout {
  readonly root: string;
  readonly volumes: string;
  readonly chunks: string;
  readonly manifests: string;
  readonly sessions: string;
  readonly tmp: string;
}

export function layoutOf(root: string): Layout {
  return {
    root,
    volumes: join(root, 'volumes'),
    chunks: join(root, 'chunks'),
    manifests: join(root, 'manifests'),
    sessions: join(root, 'sessions'),
    tmp: join(root, 'tmp'),
  };
}

/** Creates the folders durably and removes leftovers of interrupted work (temp files, partial restores). */
export async function prepareLayout(layout: Layout): Promise<void> {
  await mkdir(layout.root, { recursive: true });
  let created = false;
  for (const dir of [layout.volumes, layout.chunks, layout.manifests, layout.sessions, layout.tmp]) {
    if ((await mkdir(dir, { recursive: true })) !== undefined) created = true;
  }
  if (created) await fsyncDir(layout.root);
  for (const name of await readdir(layout.tmp)) await rm(join(layout.tmp, name), { recursive: true, force: true });
  for (const name of await readdir(layout.volumes)) {
    if (name.endsWith('.restoring')) await rm(join(layout.volumes, name), { force: true });
  }
}
