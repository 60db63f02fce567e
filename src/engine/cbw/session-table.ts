/**
 * The open copy-before-write sessions of an engine, by snapshot id and by
 * volume id (at most one per volume), and their files under
 * `<data>/sessions/<snapshotId>.session` (and `.stage`, staged-captures.ts).
 */
import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../engine.js';
import type { ChunkStore } from '../chunks/chunk-store.js';
import { fsyncDir, unlinkDurable } from '../support/durable-fs.js';
import { isSafeId } from '../support/safe-id.js';
import { syncHasher, type Hasher } from '../support/worker-pool.js';
import { CbwSession } from './cbw-session.js';
import { SessionFileCorrupt, type SessionHeader } from './session-log.js';

const SUFFIX = '.session';
const STAGE_SUFFIX = '.stage';

export class SessionTable {
  private readonly bySnapshot = new Map<string, CbwSession>();
  private readonly byVolume = new Map<string, CbwSession>();
  private readonly creating = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly tempDir: string,
    private readonly store: ChunkStore,
    private readonly hasher: Hasher = syncHasher,
  ) {}

  pathOf(snapshotId: string): string {
    return join(this.dir, `${snapshotId}${SUFFIX}`);
  }

  get(snapshotId: string): CbwSession | undefined {
    return this.bySnapshot.get(snapshotId);
  }

  forVolume(volumeId: string): CbwSession | undefined {
    return this.byVolume.get(volumeId);
  }

  snapshotIds(): string[] {
    return [...this.bySnapshot.keys()].sort();
  }

  all(): CbwSession[] {
    return [...this.bySnapshot.values()];
  }

  /**
   * Reloads every session file. A session whose snapshot is already finished
   * (`isFinished`) is removed; an unreadable file is renamed `*.corrupt` and
   * reported through `onCorrupt`.
   */
  async loadAll(isFinished: (snapshotId: string) => Promise<boolean>, onCorrupt: (err: Error) => void): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith(SUFFIX)).sort();
    for (const name of names) {
      const path = join(this.dir, name);
      let session: CbwSession;
      try {
        session = await CbwSession.load(path, this.store, this.hasher);
        const expected = name.slice(0, -SUFFIX.length);
        if (session.snapshotId !== expected || !isSafeId(session.volumeId)) {
          await session.end();
          throw new SessionFileCorrupt(path, 'header does not match the file name');
        }
        if (this.byVolume.has(session.volumeId)) {
          await session.end();
          throw new SessionFileCorrupt(path, `second session for volume ${session.volumeId}`);
        }
      } catch (err) {
        if (!(err instanceof SessionFileCorrupt)) throw err;
        await rename(path, `${path}.corrupt`);
        await fsyncDir(this.dir);
        onCorrupt(err);
        continue;
      }
      if (await isFinished(session.snapshotId)) {
        await session.remove();
        continue;
      }
      this.add(session);
    }
    await this.removeOrphanStages();
  }

  /** Stage files (staged-captures.ts) of sessions that are gone: finished, removed or set aside as corrupt. */
  private async removeOrphanStages(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (name.endsWith(STAGE_SUFFIX) && !this.bySnapshot.has(name.slice(0, -STAGE_SUFFIX.length))) {
        await unlinkDurable(join(this.dir, name));
      }
    }
  }

  /** Creates a session durably. Throws SessionBusy if the volume or the snapshot id already has one. */
  async create(header: SessionHeader): Promise<CbwSession> {
    const { volumeId, snapshotId } = header;
    if (this.byVolume.has(volumeId) || this.creating.has(volumeId)) {
      throw new EngineError('SessionBusy', `volume ${volumeId} already has a snapshot session`);
    }
    if (this.bySnapshot.has(snapshotId)) {
      throw new EngineError('SessionBusy', `snapshot ${snapshotId} already has a session on another volume`);
    }
    this.creating.add(volumeId);
    try {
      const session = await CbwSession.create(this.pathOf(snapshotId), header, this.store, this.tempDir, this.hasher);
      this.add(session);
      return session;
    } finally {
      this.creating.delete(volumeId);
    }
  }

  /** Ends `session` and deletes its file. */
  async remove(session: CbwSession): Promise<void> {
    this.forget(session);
    await session.remove();
  }

  /** Ends every session, keeping the files (engine close). */
  async closeAll(): Promise<void> {
    const sessions = this.all();
    for (const session of sessions) this.forget(session);
    await Promise.all(sessions.map((s) => s.end()));
  }

  private add(session: CbwSession): void {
    this.bySnapshot.set(session.snapshotId, session);
    this.byVolume.set(session.volumeId, session);
  }

  private forget(session: CbwSession): void {
    if (this.bySnapshot.get(session.snapshotId) === session) this.bySnapshot.delete(session.snapshotId);
    if (this.byVolume.get(session.volumeId) === session) this.byVolume.delete(session.volumeId);
  }
}
