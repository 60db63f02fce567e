/**
 * A BlockEngine wrapper that runs a hook before a volume is deleted or reset to
 * a snapshot (its bytes replaced under the clients' feet) — main uses it to
 * drop the NBD connections of such a disk. Everything else passes through.
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
    resizeVolume: (id: string, size: number): Promise<void> => inner.resizeVolume(id, size),
    beginSnapshot: (volumeId: string, snapshotId: string): Promise<void> => inner.beginSnapshot(volumeId, snapshotId),
    runSnapshot: (snapshotId: string, signal?: AbortSignal): Promise<ManifestInfo> => inner.runSnapshot(snapshotId, signal),
    abortSnapshot: (snapshotId: string): Promise<void> => inner.abortSnapshot(snapshotId),
    listSessions: (): Promise<string[]> => inner.listSessions(),
    manifestInfo: (snapshotId: string): Promise<ManifestInfo | undefined> => inner.manifestInfo(snapshotId),
    deleteSnapshot: (snapshotId: string): Promise<void> => inner.deleteSnapshot(snapshotId),
    restoreVolume: (snapshotId: string, volumeId: string, size: number, signal?: AbortSignal): Promise<void> =>
      inner.restoreVolume(snapshotId, volumeId, size, signal),
    beginLazyRestore: (snapshotId: string, volumeId: string, size: number): Promise<void> =>
      inner.beginLazyRestore(snapshotId, volumeId, size),
    fillVolume: (volumeId: string, signal?: AbortSignal): Promise<{ chunksFilled: number }> =>
      inner.fillVolume(volumeId, signal),
    ...(inner.collectGarbage ? { collectGarbage: inner.collectGarbage.bind(inner) } : {}),
    ...(inner.scrub ? { scrub: inner.scrub.bind(inner) } : {}),
    resetVolume: async (snapshotId: string, volumeId: string, signal?: AbortSignal):
      Promise<{ chunksRewritten: number }> => {
      beforeDelete(volumeId);
      return inner.resetVolume(snapshotId, volumeId, signal);
    },
    exports: (): ExportResolver => inner.exports(),
    close: (): Promise<void> => inner.close(),
  };
}
