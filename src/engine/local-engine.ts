/**
 * The block engine on one data directory: sparse-file volumes, copy-before-
 * write snapshot sessions, a content-addressed chunk store and manifests.
 * See README.md for the layout and the durability rules.
 */
import type { Clock } from '../kernel/clock.js';
import type { ExportResolver } from './block-device.js';
import { EngineError, type BlockEngine, type ManifestInfo } from './engine.js';
import type { ChunkStore } from './chunks/chunk-store.js';
import { openEngineChunkStore } from './chunks/open-chunk-store.js';
import type { GcResult, ScrubReport } from './gc/collector.js';
import { EngineChunks } from './gc/engine-chunks.js';
import type { PinnedManifest } from './gc/chunk-guard.js';
import { SessionTable } from './cbw/session-table.js';
import { layoutOf, prepareLayout, type Layout } from './layout.js';
import { copySnapshotInto, type CopyStats } from './snapshot/copy.js';
import { ManifestStore, manifestInfo, type Manifest, type SnapshotStats } from './snapshot/manifest.js';
import { resetToManifest } from './snapshot/reset.js';
import { restoreManifest } from './snapshot/restore.js';
import { LazyRestores, type FillResult } from './snapshot/lazy-fill.js';
import { captureRemaining, manifestOf } from './snapshot/snapshot-job.js';
import { IncrementalTracking } from './snapshot/incremental.js';
import { KeyedMutex } from './support/keyed-mutex.js';
import { assertSafeId, isSafeId } from './support/safe-id.js';
import { VolumeRegistry } from './volume/volume-registry.js';
import { volumeExports } from './volume/volume-exports.js';
import { createVolumeFiles, removeVolumeFiles, volumeFileSize } from './volume/volume-files.js';
import {
  assertChunkSize, assertSize, DEFAULT_CHUNK_SIZE, defaultJobConcurrency, encodeLevelOf, type LocalBlockEngineOptions,
} from './engine-options.js';
import type { Volume } from './volume/volume.js';

export class LocalBlockEngine implements BlockEngine {
  /** Serialises create / delete / restore / begin-snapshot of one volume. */
  private readonly volumeLocks = new KeyedMutex<string>();
  /** Serialises finishing, aborting and dropping one snapshot's session. */
  private readonly snapshotLocks = new KeyedMutex<string>();
  private readonly running = new Map<string, Promise<ManifestInfo>>();
  /** Snapshot copies into this engine in flight (close() waits for them). */
  private readonly copies = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();
  private readonly resolver: ExportResolver;
  private closed = false;

  private constructor(
    private readonly layout: Layout,
    readonly chunkSize: number,
    private readonly clock: Clock,
    readonly chunkStore: ChunkStore,
    private readonly concurrency: number,
    private readonly registry: VolumeRegistry,
    private readonly sessions: SessionTable,
    private readonly manifests: ManifestStore,
    private readonly lazy: LazyRestores,
    private readonly incremental: IncrementalTracking,
    private readonly chunks: EngineChunks,
  ) {
    this.resolver = volumeExports(registry, layout.volumes, () => this.closed);
  }

  /** Opens (creating if needed) the engine on `dataDir` and reloads its copy-before-write sessions. */
  static async open(options: LocalBlockEngineOptions): Promise<LocalBlockEngine> {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    assertChunkSize(chunkSize);
    const concurrency = options.concurrency ?? defaultJobConcurrency(chunkSize);
    const layout = layoutOf(options.dataDir);
    await prepareLayout(layout);
    const chunks = new EngineChunks(
      options.chunkStore ?? (await openEngineChunkStore(layout.chunks, { compressionLevel: options.compressionLevel })),
      options.clock, layout, concurrency, options.gcSafetyMarginMs, options.chunkStore === undefined);
    const store = chunks.store;
    const manifests = new ManifestStore(layout.manifests, layout.tmp);
    const incremental = new IncrementalTracking(layout.volumes, layout.tmp, chunkSize, manifests, encodeLevelOf(options));
    const sessions = new SessionTable(layout.sessions, layout.tmp, store, incremental.hasher);
    // The read-through layer of a lazy restore before the session: captures read through it.
    const registry = new VolumeRegistry(layout.volumes, async (volume) => {
      await incremental.track(volume);
      lazy.attachTo(volume);
      void sessions.forVolume(volume.id)?.attachTo(volume);
    });
    const lazy = new LazyRestores(layout.volumes, layout.tmp, store, concurrency, registry, incremental.hasher);
    await lazy.loadAll();
    const warn = options.onWarning ?? ((message: string) => process.emitWarning(message));
    const finished = async (id: string): Promise<boolean> => (await manifests.read(id).catch(() => undefined)) !== undefined;
    await sessions.loadAll(finished, (err) => warn(err.message));
    return new LocalBlockEngine(layout, chunkSize, options.clock, store, concurrency, registry, sessions, manifests, lazy,
      incremental, chunks);
  }

  async createVolume(volumeId: string, sizeBytes: number): Promise<void> {
    this.assertOpen();
    assertSafeId('volume', volumeId);
    assertSize(sizeBytes);
    await this.volumeLocks.run(volumeId, async () => {
      const existing = await this.volumeSize(volumeId);
      if (existing === sizeBytes) return;
      if (existing !== undefined) {
        throw new EngineError('VolumeExists', `volume ${volumeId} exists with ${existing} bytes, not ${sizeBytes}`);
      }
      // A stale dirty map of an earlier volume of this id goes before the new volume appears.
      await createVolumeFiles(this.registry.pathOf(volumeId), sizeBytes, this.chunkSize, this.layout.tmp,
        () => this.incremental.forget(volumeId));
    });
  }

  async deleteVolume(volumeId: string): Promise<void> {
    this.assertOpen();
    assertSafeId('volume', volumeId);
    await this.volumeLocks.run(volumeId, async () => {
      const session = this.sessions.forVolume(volumeId);
      if (session) await this.snapshotLocks.run(session.snapshotId, () => this.sessions.remove(session));
      await this.registry.close(volumeId);
      await this.incremental.forget(volumeId);
      await this.lazy.drop(volumeId);
      await removeVolumeFiles(this.registry.pathOf(volumeId));
    });
  }

  async resizeVolume(volumeId: string, newSizeBytes: number): Promise<void> {
    this.assertOpen();
    assertSafeId('volume', volumeId);
    assertSize(newSizeBytes);
    await this.volumeLocks.run(volumeId, () => this.withIdleVolume(volumeId, (volume) => volume.grow(newSizeBytes)));
  }

  async volumeExists(volumeId: string): Promise<boolean> {
    this.assertOpen();
    return isSafeId(volumeId) && (await this.volumeSize(volumeId)) !== undefined;
  }

  async beginSnapshot(volumeId: string, snapshotId: string): Promise<void> {
    this.assertOpen();
    assertSafeId('volume', volumeId);
    assertSafeId('snapshot', snapshotId);
    await this.volumeLocks.run(volumeId, async () => {
      const existing = this.sessions.get(snapshotId);
      if (existing && existing.volumeId !== volumeId) {
        throw new EngineError('SessionBusy', `snapshot ${snapshotId} already has a session on volume ${existing.volumeId}`);
      }
      if (!existing) {
        const done = await this.manifests.read(snapshotId).catch(() => undefined);
        if (done?.volumeId === volumeId) return;
      }
      const volume = await this.registry.acquire(volumeId);
      if (!volume) throw new EngineError('VolumeNotFound', `volume ${volumeId} does not exist`);
      try {
        const session = existing ?? await this.sessions.create({
          snapshotId, volumeId, sizeBytes: volume.size, chunkSize: this.chunkSize, createdAt: this.clock.now(),
        });
        // A new session takes over the volume's changed chunks in the tick it is attached (incremental.ts).
        await (existing ? session.attachTo(volume) : this.incremental.attachNew(session, volume));
        await volume.datasync();
        await this.chunks.pinBaseline(session, (id) => this.manifests.read(id).catch(() => undefined));
        await this.incremental.prepare(session);
      } finally {
        this.registry.release(volume);
      }
    });
  }

  runSnapshot(snapshotId: string, signal?: AbortSignal): Promise<ManifestInfo> {
    try {
      this.assertOpen();
      assertSafeId('snapshot', snapshotId);
    } catch (err) {
      return Promise.reject(err);
    }
    let job = this.running.get(snapshotId);
    if (!job) {
      job = this.snapshot(snapshotId, signal).finally(() => this.running.delete(snapshotId));
      this.running.set(snapshotId, job);
    }
    return job;
  }

  private async snapshot(snapshotId: string, signal: AbortSignal | undefined): Promise<ManifestInfo> {
    let manifest: Manifest | undefined;
    let unreadable: unknown;
    try {
      manifest = await this.manifests.read(snapshotId);
    } catch (err) {
      unreadable = err;
    }
    const session = this.sessions.get(snapshotId);
    if (manifest) {
      if (session) await this.snapshotLocks.run(snapshotId, () => this.sessions.remove(session));
      return manifestInfo(manifest);
    }
    if (!session) {
      if (unreadable) throw unreadable;
      throw new EngineError('SessionNotFound', `snapshot ${snapshotId} has no session and no manifest`);
    }
    const volume = await this.registry.acquire(session.volumeId);
    if (!volume) throw new EngineError('VolumeNotFound', `volume ${session.volumeId} of snapshot ${snapshotId} is gone`);
    try {
      await session.attachTo(volume);
      await this.chunks.pinBaseline(session, (id) => this.manifests.read(id).catch(() => undefined));
      await this.incremental.ensureBaseline(session);
      const abort = this.jobSignal(signal);
      await captureRemaining(session, volume, { concurrency: this.concurrency, signal: abort });
    } finally {
      this.registry.release(volume);
    }
    return this.snapshotLocks.run(snapshotId, async () => {
      session.assertActive();
      const finished = manifestOf(session, this.clock.now());
      await this.manifests.write(finished);
      await this.sessions.remove(session);
      return manifestInfo(finished);
    });
  }

  async abortSnapshot(snapshotId: string): Promise<void> {
    this.assertOpen();
    assertSafeId('snapshot', snapshotId);
    const session = this.sessions.get(snapshotId);
    if (session) {
      await this.snapshotLocks.run(snapshotId, async () => {
        if (this.sessions.get(snapshotId) !== session) return;
        await this.incremental.giveBack(session); // the next snapshot must still cover its changes
        await this.sessions.remove(session);
      });
    }
  }

  async listSessions(): Promise<string[]> {
    this.assertOpen();
    return this.sessions.snapshotIds();
  }

  async manifestInfo(snapshotId: string): Promise<ManifestInfo | undefined> {
    this.assertOpen();
    assertSafeId('snapshot', snapshotId);
    const manifest = await this.manifests.read(snapshotId);
    return manifest && manifestInfo(manifest);
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    this.assertOpen();
    assertSafeId('snapshot', snapshotId);
    // Under the snapshot's lock: a copy into this id in flight finishes first, then its manifest goes.
    await this.snapshotLocks.run(snapshotId,
      () => this.chunks.guard.withManifestLock(snapshotId, () => this.manifests.delete(snapshotId)));
  }

  /** How a finished snapshot was taken: its parent (null: full read) and what the job read. Undefined if unknown. */
  async snapshotStats(snapshotId: string): Promise<(SnapshotStats & { parent: string | null }) | undefined> {
    const manifest = await this.readManifest(snapshotId);
    return manifest?.stats && { parent: manifest.parent ?? null, ...manifest.stats };
  }

  /** The finished manifest of `snapshotId`, or undefined (the source side of copySnapshot). */
  async readManifest(snapshotId: string): Promise<Manifest | undefined> {
    this.assertOpen();
    assertSafeId('snapshot', snapshotId);
    return this.manifests.read(snapshotId);
  }

  /**
   * The finished manifest with its chunks pinned against garbage collection
   * until `release()` (for jobs that work from a manifest while the snapshot
   * may be deleted: copies, restores, resets, lazy restores). Atomic with
   * respect to deleteSnapshot.
   */
  async readManifestPinned(snapshotId: string): Promise<PinnedManifest<Manifest> | undefined> {
    this.assertOpen();
    assertSafeId('snapshot', snapshotId);
    return this.chunks.guard.readPinned(snapshotId, () => this.manifests.read(snapshotId));
  }

  /** Runs `fn` on the manifest of `snapshotId`, pinned meanwhile; throws ManifestNotFound. */
  private async withManifest<T>(snapshotId: string, fn: (manifest: Manifest) => Promise<T>): Promise<T> {
    const pinned = await this.readManifestPinned(snapshotId);
    if (!pinned) throw new EngineError('ManifestNotFound', `snapshot ${snapshotId} has no manifest`);
    try {
      return await fn(pinned.manifest);
    } finally {
      pinned.release();
    }
  }

  /** Removes the chunks no manifest, session, lazy restore or job in flight references (see gc/). */
  collectGarbage(signal?: AbortSignal): Promise<GcResult> {
    this.assertOpen();
    this.chunks.releaseBaselines((session) => this.sessions.all().some((open) => open === session));
    return this.chunks.maintenance.collectGarbage(this.jobSignal(signal));
  }

  /** Re-hashes every stored chunk; lists damaged ones and chunks manifests reference that are missing. */
  scrub(signal?: AbortSignal): Promise<ScrubReport> {
    this.assertOpen();
    return this.chunks.maintenance.scrub(this.jobSignal(signal));
  }

  /**
   * Copies the finished snapshot `sourceSnapshotId` of `source` (another
   * region's engine, or this one) into this engine as `snapshotId`: the chunks
   * this store lacks, verified, then the manifest (see snapshot/copy.ts).
   * Serialised per snapshot id; idempotent, resumable, stopped by close().
   */
  async importSnapshot(source: LocalBlockEngine, sourceSnapshotId: string, snapshotId: string, signal?: AbortSignal):
    Promise<CopyStats> {
    this.assertOpen();
    assertSafeId('snapshot', sourceSnapshotId);
    assertSafeId('snapshot', snapshotId);
    // The source's chunks stay pinned in both stores until the copy ends (either side may collect meanwhile).
    const releases: (() => void)[] = [];
    const readManifest = async (): Promise<Manifest | undefined> => {
      const pinned = await source.readManifestPinned(sourceSnapshotId);
      if (pinned) releases.push(pinned.release, this.chunks.guard.pin(pinned.manifest.chunks));
      return pinned?.manifest;
    };
    const from = { label: sourceSnapshotId, readManifest, store: source.chunkStore };
    const to = { snapshotId, manifests: this.manifests, store: this.chunkStore };
    const options = { concurrency: this.concurrency, signal: this.jobSignal(signal), hasher: this.incremental.hasher };
    const job = this.snapshotLocks.run(snapshotId, () => copySnapshotInto(from, to, options))
      .finally(() => releases.forEach((release) => release()));
    this.copies.add(job);
    void job.catch(() => undefined).finally(() => this.copies.delete(job));
    return job;
  }

  async restoreVolume(snapshotId: string, volumeId: string, sizeBytes: number, signal?: AbortSignal): Promise<void> {
    // An existing volume means an earlier call completed (the file only appears complete).
    await this.intoNewVolume(snapshotId, volumeId, sizeBytes, (manifest) =>
      restoreManifest(manifest, this.registry.pathOf(volumeId), sizeBytes,
        { store: this.chunkStore, concurrency: this.concurrency, signal: this.jobSignal(signal),
          hasher: this.incremental.hasher }));
  }

  /**
   * Lazy restore: creates volume `volumeId` served at once from the snapshot's
   * chunks (see snapshot/lazy-fill.ts); `fillVolume` completes it. Idempotent:
   * resolves at once if the volume exists (being filled or not).
   */
  async beginLazyRestore(snapshotId: string, volumeId: string, sizeBytes: number): Promise<void> {
    // The manifest stays pinned until `<id>.lazy` (a copy of it, which garbage collection reads) is durable.
    await this.intoNewVolume(snapshotId, volumeId, sizeBytes, (manifest) => this.lazy.begin(manifest, volumeId, sizeBytes));
  }

  /**
   * The shared frame of both restores: under the volume's lock, unless the volume exists already (idempotent),
   * with the snapshot's manifest pinned and its size checked, the volume's change map dropped (its next snapshot
   * is full), `write` makes the volume.
   */
  private async intoNewVolume(snapshotId: string, volumeId: string, sizeBytes: number,
    write: (manifest: Manifest) => Promise<unknown>): Promise<void> {
    this.assertOpen();
    assertSafeId('snapshot', snapshotId);
    assertSafeId('volume', volumeId);
    assertSize(sizeBytes);
    await this.volumeLocks.run(volumeId, async () => {
      if ((await this.volumeSize(volumeId)) !== undefined) return;
      await this.withManifest(snapshotId, async (manifest) => {
        if (sizeBytes < manifest.sizeBytes) {
          throw new RangeError(`volume size ${sizeBytes} is smaller than snapshot ${snapshotId} (${manifest.sizeBytes})`);
        }
        await this.incremental.forget(volumeId);
        await write(manifest);
      });
    });
  }

  /** Fills the chunks of a lazily restored volume not filled yet; resolves at once for a complete one. */
  async fillVolume(volumeId: string, signal?: AbortSignal): Promise<FillResult> {
    this.assertOpen();
    assertSafeId('volume', volumeId);
    if (!this.lazy.get(volumeId) && (await this.volumeSize(volumeId)) === undefined) {
      throw new EngineError('VolumeNotFound', `volume ${volumeId} does not exist`);
    }
    return this.lazy.fill(volumeId, this.jobSignal(signal));
  }

  async resetVolume(snapshotId: string, volumeId: string, signal?: AbortSignal): Promise<{ chunksRewritten: number }> {
    this.assertOpen();
    assertSafeId('snapshot', snapshotId);
    assertSafeId('volume', volumeId);
    return this.volumeLocks.run(volumeId, () => this.withManifest(snapshotId, async (manifest) => {
      const abort = this.jobSignal(signal);
      const options = { store: this.chunkStore, concurrency: this.concurrency, signal: abort };
      const chunksRewritten = await this.withIdleVolume(volumeId, (volume) => resetToManifest(manifest, volume, options));
      return { chunksRewritten };
    }));
  }

  /** Runs `fn` on the open volume, refused (SessionBusy) while a snapshot of it is being taken. Hold its lock. */
  private async withIdleVolume<T>(volumeId: string, fn: (volume: Volume) => Promise<T>): Promise<T> {
    const session = this.sessions.forVolume(volumeId);
    if (session) throw new EngineError('SessionBusy', `volume ${volumeId} is being snapshotted (${session.snapshotId})`);
    const volume = await this.registry.acquire(volumeId);
    if (!volume) throw new EngineError('VolumeNotFound', `volume ${volumeId} does not exist`);
    try {
      return await fn(volume);
    } finally {
      this.registry.release(volume);
    }
  }

  exports(): ExportResolver {
    return this.resolver;
  }

  /** Stops jobs, closes every volume (their I/O rejects) and session log. Keeps all files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shutdown.abort(new Error('engine closed'));
    await Promise.allSettled([...this.running.values(), ...this.copies, this.chunks.maintenance.idle()]);
    await this.registry.closeAll();
    await this.lazy.closeAll();
    await this.sessions.closeAll();
    await this.incremental.close();
    await this.chunks.close();
  }

  private volumeSize(volumeId: string): Promise<number | undefined> {
    return volumeFileSize(this.registry.pathOf(volumeId));
  }

  private jobSignal(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.shutdown.signal]) : this.shutdown.signal;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('LocalBlockEngine is closed');
  }
}
