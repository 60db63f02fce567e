/**
 * The one shared Volume per volume id. `acquire` opens it on first use (and
 * lets the engine attach its copy-before-write session through `onOpen`);
 * `release` drops a reference and closes the file when none is left;
 * `close(id)` closes it at once (volume deleted), whoever still holds it.
 */
import { join } from 'node:path';
import { isNotFound } from '../support/durable-fs.js';
import { KeyedMutex } from '../support/keyed-mutex.js';
import { Volume } from './volume.js';

interface Entry {
  readonly volume: Volume;
  refs: number;
}

export class VolumeRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly locks = new KeyedMutex<string>();

  constructor(
    private readonly dir: string,
    /** May be async (the volume is published once it resolves). */
    private readonly onOpen: (volume: Volume) => unknown = () => undefined,
  ) {}

  /** The file of volume `id`. */
  pathOf(id: string): string {
    return join(this.dir, `${id}.raw`);
  }

  /** The shared Volume for `id` with one more reference, or undefined if its file does not exist. */
  acquire(id: string): Promise<Volume | undefined> {
    return this.locks.run(id, async () => {
      const entry = this.entries.get(id);
      if (entry) {
        entry.refs++;
        return entry.volume;
      }
      let volume: Volume;
      try {
        volume = await Volume.open(id, this.pathOf(id));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      try {
        await this.onOpen(volume);
      } catch (err) {
        await volume.close();
        throw err;
      }
      this.entries.set(id, { volume, refs: 1 });
      return volume;
    });
  }

  /** Drops one reference to `volume`; the last one closes its file. Never throws. */
  release(volume: Volume): void {
    const entry = this.entries.get(volume.id);
    if (!entry || entry.volume !== volume || entry.refs <= 0) return;
    entry.refs--;
    if (entry.refs > 0) return;
    void this.locks
      .run(volume.id, async () => {
        if (this.entries.get(volume.id) !== entry || entry.refs > 0) return;
        this.entries.delete(volume.id);
        await volume.close();
      })
      .catch(() => undefined);
  }

  /** The open Volume for `id`, if any (no reference taken). */
  current(id: string): Volume | undefined {
    return this.entries.get(id)?.volume;
  }

  /** Closes volume `id` now, whoever holds it; their further I/O rejects. */
  close(id: string): Promise<void> {
    return this.locks.run(id, async () => {
      const entry = this.entries.get(id);
      if (!entry) return;
      this.entries.delete(id);
      await entry.volume.close();
    });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.close(id)));
  }
}
