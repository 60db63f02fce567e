import type { Action } from './action.js';
import { ID_RULE } from './params.js';

/** DescribeEnsRegions: every configured ENS node, or the one asked for (which must exist). */
export const DescribeEnsRegions: Action = {
  name: 'DescribeEnsRegions',
  async run(p, ctx) {
    const only = p.optional('EnsRegionId', ID_RULE);
    // An unknown node is `InvalidParameter.EnsRegionId`, as in every other action that names one.
    const regions = ctx.services.regions.select(only === undefined ? undefined : [only]);
    return {
      Code: 0,
      EnsRegions: {
        EnsRegions: regions.map((r) => ({
          EnsRegionId: r.id, Name: r.name, EnName: r.enName, Area: r.area, Province: r.province,
        })),
      },
    };
  },
};
