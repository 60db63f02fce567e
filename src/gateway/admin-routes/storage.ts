/** Storage maintenance for operators: garbage collection and scrubbing of the regions' chunk stores, on demand. */
import { apiError } from '../../kernel/errors.js';
import { Ens } from '../../kernel/catalog.js';
import type { Services } from '../../services/index.js';
import type { AdminRoute } from './route.js';
import { optionalText } from './fields.js';

/** The region named in the body (it must exist), or every region. */
function regionsOf(body: Readonly<Record<string, unknown>>, services: Services): string[] | undefined {
  const regionId = optionalText(body, 'regionId', 64);
  if (regionId === undefined) return undefined;
  if (!services.regions.find(regionId)) throw apiError(Ens.InvalidParameter, 'RegionId');
  return [regionId];
}

export const STORAGE_ROUTES: readonly AdminRoute[] = [
  {
    method: 'POST', path: '/storage/gc', fields: ['regionId'],
    async handle({ body }, services) {
      const runs = await services.storage.collectGarbage(regionsOf(body, services));
      return {
        body: {
          Regions: runs.map((r) => ({
            EnsRegionId: r.regionId, ChunksDeleted: r.chunksDeleted, BytesFreed: r.bytesFreed,
            BytesReclaimed: r.bytesReclaimed ?? 0,
          })),
        },
      };
    },
  },
  {
    method: 'POST', path: '/storage/scrub', fields: ['regionId'],
    async handle({ body }, services) {
      const reports = await services.storage.scrub(regionsOf(body, services));
      return {
        body: {
          Regions: reports.map((r) => ({
            EnsRegionId: r.regionId, Checked: r.checked, Damaged: [...r.damaged], Missing: [...r.missing],
          })),
        },
      };
    },
  },
];
