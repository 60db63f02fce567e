/**
 * A BlockEngine wrapper that runs a hook before a volume is deleted — main uses
 * it to drop the NBD connections of a deleted disk. Everything else passes through.
 */
import type { ExportResolver } from './block-device.js';
import type { BlockEngine, ManifestInfo } from './engine.js';

export function withVolumeDeleteHook(inner: BlockEngine, beforeDelete: (volumeId: string) => void): BlockEngine {
  return {
    createVolume: (id: string, size: number): Promise<void> => inner.createVolume(id, size),
    deleteVolume: async (id: string): Promise<void> => {
      beforeDelete(id);
      await inner.deleteVolume(id);
    },
    volumeExists: (id: string): Promise<boolean> => inner.volumeExists(id),
    beginSnapshot: (volumeId: string, snapshotId: string): Promise<void> => inner.beginSnapshot(volumeId, snapshotId),
    runSnapshot: (snapshotId: string, signal?: AbortSignal): Promise<ManifestInfo> => inner.runSnapshot(snapshotId, signal),
    abortSnapshot: (snapshotId: string): Promise<void> => inner.abortSnapshot(snapshotId),
    listSessions: (): Promise<string[]> => inner.listSessions(),
    manifestInfo: (snapshotId: string): Promise<ManifestInfo | undefined> => inner.manifestInfo(snapshotId),
    deleteSnapshot: (snapshotId: string): Promise<void> => inner.deleteSnapshot(snapshotId),
    restoreVolume: (snapshotId: string, volumeId: string, size: number, signal?: AbortSignal): Promise<void> =>
      inner.restoreVolume(snapshotId, volumeId, size, signal),
    exports: (): ExportResolver => inner.exports(),
    close: (): Promise<void> => inner.close(),
  };
}
