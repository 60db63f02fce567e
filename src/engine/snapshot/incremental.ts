/**
 * Incremental snapshots, as the engine facade uses them: the volumes' dirty
 * maps (volume/dirty-map.ts), the hand-off of a volume's changes to a new
 * session at its point in time, the parent baseline, giving the changes back
 * when a session is aborted, and the hashing thread pool.
 *
 *  - Every mutation marks its chunks in the volume's map as it starts.
 *  - beginSnapshot: in one tick, the map's changes (since the volume's last
 *    snapshot, the parent) move to the session and the copy-before-write
 *    guard is attached; a write either started before (marked in the handed
 *    set, drained before the point in time) or after (guarded, marked in the
 *    fresh map). The set is then saved next to the session file.
 *  - The job inherits the parent's digest for chunks outside the set (when the
 *    parent still exists, is this volume's, same chunk size); reads the rest.
 *  - abortSnapshot gives the set back (base reverts to the parent).
 *  - Resize needs nothing: a chunk the parent saw shorter is always read.
 *    Reset writes through the volume, so its rewrites are marked. Restore,
 *    create and delete drop the map (next snapshot full).
 */
import type { CbwSession } from '../cbw/cbw-session.js';
import { HashPool, type Hasher } from '../support/worker-pool.js';
import { DirtyTable } from '../volume/dirty-map.js';
import type { Volume } from '../volume/volume.js';
import { baselineOf } from './baseline.js';
import type { ManifestStore } from './manifest.js';

export class IncrementalTracking {
  readonly pool: HashPool;
  private readonly table: DirtyTable;

  /** `encodeLevel`: the chunk store's zstd level, to encode chunk files on the hashing threads (undefined: don't). */
  constructor(volumesDir: string, tempDir: string, chunkSize: number,
    private readonly manifests: ManifestStore, encodeLevel?: number) {
    this.table = new DirtyTable(volumesDir, tempDir, chunkSize);
    this.pool = new HashPool({ encodeLevel, slotBytes: chunkSize });
  }

  /** Hashes (and, for captures, encodes) on the pool's threads; the snapshot job reads into their slots (lend). */
  readonly hasher: Hasher = Object.assign((data: Buffer, encode?: boolean) => this.pool.hash(data, encode), {
    lend: (length: number) => this.pool.lend(length),
  });

  /** Installs the volume's dirty map as its change tracker (the registry's onOpen). */
  async track(volume: Volume): Promise<void> {
    volume.setChangeTracker(await this.table.get(volume.id));
  }

  /**
   * Attaches a new `session` to `volume`, handing it the volume's changes in
   * the same tick. Resolves when the mutations in flight have drained.
   */
  async attachNew(session: CbwSession, volume: Volume): Promise<void> {
    const map = await this.table.get(volume.id);
    session.changes = map.handOff(session.snapshotId);
    await session.attachTo(volume);
  }

  /** Saves a new session's change set durably and sets its baseline. */
  async prepare(session: CbwSession): Promise<void> {
    await session.saveChanges();
    await this.ensureBaseline(session);
  }

  /** Sets the session's baseline if it has none yet (after a restart). */
  async ensureBaseline(session: CbwSession): Promise<void> {
    if (session.parentId === null) session.setBaseline(await baselineOf(session, session.changes, this.manifests));
  }

  /** An aborted session's changes go back to its volume, so the next snapshot covers them. */
  async giveBack(session: CbwSession): Promise<void> {
    (await this.table.get(session.volumeId)).giveBack(session.snapshotId, session.changes);
  }

  /** Drops the volume's map and file: the volume is gone or replaced. */
  forget(volumeId: string): Promise<void> {
    return this.table.forget(volumeId);
  }

  /** Saves every map (the clean marker) and stops the hashing threads. Call after every volume is closed. */
  async close(): Promise<void> {
    await this.table.saveAll();
    await this.pool.close();
  }
}
