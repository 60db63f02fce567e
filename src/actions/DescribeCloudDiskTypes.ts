import type { Action } from './action.js';
import { ID_RULE } from './params.js';

/**
 * DescribeCloudDiskTypes: one `{Category, EnsRegionId}` per region and
 * category sold; EnsRegionId and EnsRegionIds (JSON array) narrow the regions.
 */
export const DescribeCloudDiskTypes: Action = {
  name: 'DescribeCloudDiskTypes',
  async run(p, ctx) {
    const one = p.optional('EnsRegionId', ID_RULE);
    const many = p.idList('EnsRegionIds', 100);
    const filter = one === undefined && many === undefined ? undefined : [...(one === undefined ? [] : [one]), ...(many ?? [])];
    const { regions } = ctx.services;
    const resources = regions.select(filter).flatMap((r) =>
      regions.diskCategories.map((category) => ({ Category: category, EnsRegionId: r.id })));
    return { SupportResources: { SupportResource: resources } };
  },
};
