/**
 * Compaction of a pack store: a pack whose live records take less than
 * `MIN_LIVE_FRACTION` of its bytes (the open pack too: it is sealed first) is rewritten — each live chunk is appended
 * again to the open pack (under its digest's lock, so a concurrent delete or
 * put sees one consistent entry), the new records are synced into the index,
 * and only then is the old pack removed. A crash at any point leaves every
 * chunk readable: until the new add records are durable the old ones name the
 * old pack, which still exists.
 */
import type { CompactionResult } from '../chunk-store.js';
import type { KeyedMutex } from '../../support/keyed-mutex.js';
import type { PackLocation } from './index-log.js';
import type { PackFiles } from './pack-files.js';

/** Packs whose live bytes are under this share of their size are rewritten. */
export const MIN_LIVE_FRACTION = 0.5;

/** bytesReclaimed: bytes of pack files removed minus the bytes moved out of them. */
export type CompactResult = CompactionResult;

export interface CompactionContext {
  readonly index: ReadonlyMap<string, PackLocation>;
  readonly packs: PackFiles;
  readonly locks: KeyedMutex<string>;
  /** Bytes a record takes besides its chunk file. */
  readonly recordOverhead: number;
  /** The chunk file of `digest` as stored. */
  read(digest: string): Promise<Buffer | undefined>;
  /** Appends `file` as `digest`'s record in the open pack and points the index at it (pending until sync). */
  move(digest: string, file: Buffer): Promise<PackLocation>;
  sync(): Promise<void>;
}

export async function compactPacks(ctx: CompactionContext): Promise<CompactResult> {
  const live = liveByPack(ctx);
  const victims = [...ctx.packs.sizes].filter(([id, size]) =>
    ctx.packs.isSettled(id) && (live.get(id)?.bytes ?? 0) < size * MIN_LIVE_FRACTION);
  // In the same turn as the check: no record can be reserved in a victim from here on.
  for (const [id] of victims) ctx.packs.seal(id);
  let chunksMoved = 0;
  let bytesMoved = 0;
  for (const [id] of victims) {
    for (const digest of live.get(id)?.digests ?? []) {
      await ctx.locks.run(digest, async () => {
        const at = ctx.index.get(digest);
        if (at?.pack !== id) return; // deleted or moved since the scan
        const file = await ctx.read(digest);
        if (!file) return;
        await ctx.move(digest, file);
        chunksMoved++;
        bytesMoved += ctx.recordOverhead + file.length;
      });
    }
  }
  if (victims.length === 0) return { packsRemoved: 0, chunksMoved: 0, bytesReclaimed: 0 };
  await ctx.sync();
  let removed = 0;
  for (const [id, size] of victims) {
    await ctx.packs.retire(id);
    removed += size;
  }
  return { packsRemoved: victims.length, chunksMoved, bytesReclaimed: removed - bytesMoved };
}

function liveByPack(ctx: CompactionContext): Map<number, { bytes: number; digests: string[] }> {
  const live = new Map<number, { bytes: number; digests: string[] }>();
  for (const [digest, at] of ctx.index) {
    let pack = live.get(at.pack);
    if (!pack) live.set(at.pack, (pack = { bytes: 0, digests: [] }));
    pack.bytes += ctx.recordOverhead + at.length;
    pack.digests.push(digest);
  }
  return live;
}
