/**
 * The local fleet: one LocalBlockEngine per region, each in its own folder
 * `<dataDir>/<regionId>/` with its own volumes, chunk store and manifests.
 * Data crosses regions only by copySnapshot (snapshot/copy.ts).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../kernel/clock.js';
import type { ExportHandle, ExportResolver } from './block-device.js';
import type { ChunkStore } from './chunks/chunk-store.js';
import { EngineError, type BlockEngine, type RegionalEngines, type RegionalSnapshotRef } from './engine.js';
import { LocalBlockEngine } from './local-engine.js';
import type { CopyStats } from './snapshot/copy.js';
import { forEachLimit } from './support/pool.js';
import { assertSafeId } from './support/safe-id.js';

export interface LocalRegionalEnginesOptions {
  readonly dataDir: string;
  readonly regionIds: readonly string[];
  readonly chunkSize?: number;
  /** zstd level of each region's chunk store: 0 (off) to 19; default 1. */
  readonly compressionLevel?: number;
  readonly clock: Clock;
  /** Chunks per job in flight, in each region (default: the engine's). */
  readonly concurrency?: number;
  /** Other chunk stores than `<dataDir>/<regionId>/chunks`, by region (tests, fault injection). */
  readonly chunkStores?: ReadonlyMap<string, ChunkStore>;
  readonly onWarning?: (message: string) => void;
  /** Each region's GC safety margin (LocalBlockEngineOptions.gcSafetyMarginMs; default 5 min). */
  readonly gcSafetyMarginMs?: number;
}

export class LocalRegionalEngines implements RegionalEngines {
  private constructor(
    private readonly engines: ReadonlyMap<string, LocalBlockEngine>,
    private readonly options: LocalRegionalEnginesOptions,
  ) {}

  static async open(options: LocalRegionalEnginesOptions): Promise<LocalRegionalEngines> {
    const engines = new Map<string, LocalBlockEngine>();
    try {
      for (const regionId of options.regionIds) {
        assertSafeId('region', regionId);
        engines.set(regionId, await LocalBlockEngine.open({
          dataDir: join(options.dataDir, regionId), chunkSize: options.chunkSize, compressionLevel: options.compressionLevel,
          clock: options.clock, gcSafetyMarginMs: options.gcSafetyMarginMs,
          concurrency: options.concurrency, chunkStore: options.chunkStores?.get(regionId), onWarning: options.onWarning,
        }));
      }
    } catch (err) {
      for (const engine of engines.values()) await engine.close();
      throw err;
    }
    return new LocalRegionalEngines(engines, options);
  }

  get regionIds(): readonly string[] {
    return [...this.engines.keys()];
  }

  region(regionId: string): LocalBlockEngine {
    const engine = this.engines.get(regionId);
    if (!engine) throw new EngineError('RegionNotFound', `no engine for region ${regionId}`);
    return engine;
  }

  /**
   * See RegionalEngines.copySnapshot. The destination engine does the work (so
   * its close() stops it); within one region nothing is copied, only a second
   * manifest written.
   */
  async copySnapshot(from: RegionalSnapshotRef, to: RegionalSnapshotRef, signal?: AbortSignal): Promise<CopyStats> {
    const source = this.region(from.regionId);
    return this.region(to.regionId).importSnapshot(source, from.snapshotId, to.snapshotId, signal);
  }

  exports(): ExportResolver {
    return unionOfExports([...this.engines.values()].map((e) => e.exports()));
  }

  async close(): Promise<void> {
    for (const engine of this.engines.values()) await engine.close();
  }

  /**
   * Reset-all-state: removes every volume, open snapshot session, manifest and chunk of every region, through
   * the engines' own calls (so their locks and open files stay consistent), and keeps the engines open.
   * `beforeDelete` runs for each volume first (the caller drops its NBD clients). An injected chunk store is left
   * alone.
   * Nothing may be working on the engines meanwhile (the caller stops the jobs).
   */
  async wipe(beforeDelete?: (volumeId: string) => void): Promise<void> {
    for (const [regionId, engine] of this.engines) {
      for (const snapshotId of await engine.listSessions()) await engine.abortSnapshot(snapshotId);
      for (const volumeId of (await engine.exports().list()) ?? []) {
        beforeDelete?.(volumeId);
        await engine.deleteVolume(volumeId);
      }
      const root = join(this.options.dataDir, regionId);
      for (const name of await entries(join(root, 'manifests'))) {
        if (name.endsWith('.json')) await engine.deleteSnapshot(name.slice(0, -'.json'.length));
      }
      if (this.options.chunkStores?.has(regionId)) continue;
      await deleteEveryChunk(engine.chunkStore);
    }
  }
}

/** Deletes every chunk of `store` (concurrent deletes share their syncs) and gives the space back. */
async function deleteEveryChunk(store: ChunkStore): Promise<void> {
  const digests: string[] = [];
  for await (const digest of store.list()) digests.push(digest);
  await forEachLimit(digests, 16, async (digest) => void (await store.delete(digest)));
  await store.compact?.();
}

/** The names in a folder; none when it does not exist (or is a file). */
async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

/** Export names are volume ids, unique across regions: the first resolver that knows a name serves it. */
export function unionOfExports(resolvers: readonly ExportResolver[]): ExportResolver {
  return {
    open: async (name: string): Promise<ExportHandle | undefined> => {
      for (const resolver of resolvers) {
        const handle = await resolver.open(name);
        if (handle) return handle;
      }
      return undefined;
    },
    list: async (): Promise<string[] | null> => {
      const names: string[] = [];
      for (const resolver of resolvers) {
        const some = await resolver.list();
        if (some === null) return null;
        names.push(...some);
      }
      return names;
    },
  };
}

/** Wraps each region's engine (e.g. with withVolumeDeleteHook), once per region. */
export function mapRegionalEngines(inner: RegionalEngines, wrap: (engine: BlockEngine) => BlockEngine): RegionalEngines {
  const wrapped = new Map<string, BlockEngine>();
  return {
    regionIds: inner.regionIds,
    region: (regionId: string): BlockEngine => {
      let engine = wrapped.get(regionId);
      if (!engine) {
        engine = wrap(inner.region(regionId));
        wrapped.set(regionId, engine);
      }
      return engine;
    },
    copySnapshot: (from, to, signal) => inner.copySnapshot(from, to, signal),
    exports: () => inner.exports(),
    close: () => inner.close(),
  };
}
