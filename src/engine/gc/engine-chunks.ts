/**
 * The chunk-store side of one engine, as the facade (local-engine.ts) holds
 * it: the guarded store its jobs use, the guard, garbage collection / scrub,
 * and the pins of incremental sessions' parents.
 */
import type { Clock } from '../../kernel/clock.js';
import type { ChunkStore } from '../chunks/chunk-store.js';
import { ChunkGuard } from './chunk-guard.js';
import { ChunkMaintenance } from './collector.js';
import { GuardedChunkStore } from './guarded-chunk-store.js';
import type { MarkDirs } from './mark.js';

/** What an incremental session exposes about its parent (cbw-session.ts: the change set taken over). */
export interface BaselineHolder {
  readonly changes?: { readonly parent: string | null } | undefined;
}

export class EngineChunks {
  readonly guard: ChunkGuard;
  readonly store: GuardedChunkStore;
  readonly maintenance: ChunkMaintenance;
  /** Pins of the parents of sessions that inherit digests from them (released once the session is gone). */
  private readonly baselinePins = new Map<BaselineHolder, () => void>();

  /**
   * `marginMs`: how long a put/has protects a chunk from collection (default REUSE_SAFETY_MARGIN_MS).
   * `owned`: the engine made `inner` and closes it with itself.
   */
  constructor(private readonly inner: ChunkStore, clock: Clock, dirs: MarkDirs, concurrency: number, marginMs?: number,
    private readonly owned = false) {
    this.guard = new ChunkGuard(clock, marginMs);
    this.store = new GuardedChunkStore(inner, this.guard);
    this.maintenance = new ChunkMaintenance({ store: inner, guard: this.guard, clock, dirs, concurrency });
  }

  /**
   * Pins the chunks of the parent `session` may inherit digests from, for as
   * long as the session lives: it records the parent's digests for unchanged
   * chunks without storing anything, and the parent may be deleted meanwhile.
   * Call it before the session reads its parent (its baseline): a parent gone
   * by then is gone for the baseline too (ids are not reused).
   */
  async pinBaseline(session: BaselineHolder, readParent: (id: string) => Promise<{ chunks: readonly (string | null)[] } | undefined>):
    Promise<void> {
    const parent = session.changes?.parent ?? null;
    if (parent === null || this.baselinePins.has(session)) return;
    const pinned = await this.guard.readPinned(parent, () => readParent(parent));
    if (pinned) this.baselinePins.set(session, pinned.release);
  }

  /** Closes the store if the engine made it. */
  async close(): Promise<void> {
    if (this.owned) await this.inner.close?.();
  }

  /** Drops the parent pins of sessions that are no longer open. */
  releaseBaselines(isOpen: (session: BaselineHolder) => boolean): void {
    for (const [session, release] of this.baselinePins) {
      if (isOpen(session)) continue;
      release();
      this.baselinePins.delete(session);
    }
  }
}
