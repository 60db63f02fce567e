/**
 * The chunk store an engine makes for itself in `<data>/chunks`: pack files
 * (`chunks/packs/`), layered over the one-file-per-chunk store of earlier
 * versions when the directory still holds such chunks (`chunks/<2 hex>/`), so
 * their snapshots stay readable and their chunks are deduplicated against.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkStore } from './chunk-store.js';
import { FsChunkStore } from './fs-chunk-store.js';
import { LayeredChunkStore } from './layered-chunk-store.js';
import { PackChunkStore } from './pack/pack-chunk-store.js';

const PREFIX_DIR = /^[0-9a-f]{2}$/;

export interface EngineChunkStoreOptions {
  readonly compressionLevel?: number;
}

export async function openEngineChunkStore(dir: string, options: EngineChunkStoreOptions = {}): Promise<ChunkStore> {
  const packs = await PackChunkStore.open(join(dir, 'packs'), options);
  const entries = await readdir(dir, { withFileTypes: true });
  if (!entries.some((e) => e.isDirectory() && PREFIX_DIR.test(e.name))) return packs;
  return new LayeredChunkStore(packs, await FsChunkStore.open(dir, options));
}
