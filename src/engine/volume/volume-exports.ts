/**
 * The engine's volumes as NBD exports: every connection to a volume shares its
 * one open Volume (held in the registry until the export is released).
 */
import { readdir } from 'node:fs/promises';
import type { ExportHandle, ExportResolver } from '../block-device.js';
import { isSafeId } from '../support/safe-id.js';
import type { VolumeRegistry } from './volume-registry.js';

export function volumeExports(registry: VolumeRegistry, volumesDir: string, closed: () => boolean): ExportResolver {
  return {
    open: async (name: string): Promise<ExportHandle | undefined> => {
      if (closed() || !isSafeId(name)) return undefined;
      const volume = await registry.acquire(name);
      if (!volume) return undefined;
      let released = false;
      return {
        device: volume,
        readOnly: false,
        // Every connection gets the one shared Volume, whose flush fdatasyncs the file: NBD_FLAG_CAN_MULTI_CONN.
        multiConn: true,
        description: `edgesnap volume ${name}`,
        release: () => {
          if (released) return;
          released = true;
          registry.release(volume);
        },
      };
    },
    list: async (): Promise<string[]> => {
      if (closed()) return [];
      const names = await readdir(volumesDir);
      return names.filter((n) => n.endsWith('.raw')).map((n) => n.slice(0, -'.raw'.length)).filter(isSafeId).sort();
    },
  };
}
