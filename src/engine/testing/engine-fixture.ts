/** Opens LocalBlockEngines on a temp directory for tests. */
import { ManualClock } from '../../kernel/clock.js';
import { EngineError } from '../engine.js';
import { FsChunkStore } from '../chunks/fs-chunk-store.js';
import { LocalBlockEngine } from '../local-engine.js';
import { join } from 'node:path';
import { HookedChunkStore } from './fixtures.js';

export const clock = new ManualClock('2026-01-01T00:00:00Z');

/** An engine on `dataDir` whose filesystem chunk store is wrapped in a HookedChunkStore. */
export async function openHooked(dataDir: string, chunkSize?: number):
  Promise<{ engine: LocalBlockEngine; store: HookedChunkStore }> {
  const store = new HookedChunkStore(await FsChunkStore.open(join(dataDir, 'chunks')));
  const engine = await LocalBlockEngine.open({ dataDir, clock, chunkStore: store, ...(chunkSize ? { chunkSize } : {}) });
  return { engine, store };
}

/** A predicate for assert.rejects/throws: an EngineError of `kind`. */
export function engineError(kind: EngineError['kind']): (err: unknown) => boolean {
  return (err) => err instanceof EngineError && err.kind === kind;
}
