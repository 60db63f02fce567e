/**
 * A BlockEngine wrapper that runs a hook before a volume is deleted or reset to
 * a snapshot (its bytes replaced under the clients' feet) — main uses it to
 * drop the NBD connections of such a disk. Every other method, present or
 * optional, passes through untouched, so a method added to the port needs no
 * change here.
 */
import type { BlockEngine } from './engine.js';

export function withVolumeDeleteHook(inner: BlockEngine, beforeDelete: (volumeId: string) => void): BlockEngine {
  const hooked: Pick<BlockEngine, 'deleteVolume' | 'resetVolume'> = {
    deleteVolume: async (volumeId) => {
      beforeDelete(volumeId);
      await inner.deleteVolume(volumeId);
    },
    resetVolume: async (snapshotId, volumeId, signal) => {
      beforeDelete(volumeId);
      return inner.resetVolume(snapshotId, volumeId, signal);
    },
  };
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'deleteVolume' || property === 'resetVolume') return hooked[property];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
