import type { Action } from './action.js';
import { ID_RULE } from './params.js';
import { snapshotItem } from './shapes.js';

/**
 * DescribeSnapshots: a flat `Snapshots[]`, always present; without a region it searches all regions. Filters
 * naming nothing of the caller's (another account's ids) just match nothing.
 */
export const DescribeSnapshots: Action = {
  name: 'DescribeSnapshots',
  async run(p, ctx) {
    const snapshotIds = p.idList('SnapshotId', 100);
    const name = p.optional('SnapshotName', { max: 128 });
    const diskId = p.optional('DiskId', ID_RULE);
    const instanceId = p.optional('InstanceId', ID_RULE);
    const region = p.optional('EnsRegionId', ID_RULE);
    const regions = p.idList('EnsRegionIds', 100);
    const { pageNumber, pageSize } = p.page(10, 100);
    const regionIds = region !== undefined ? [region, ...(regions ?? [])] : regions;
    // An unknown node is refused (InvalidParameter.EnsRegionId), as CreateSnapshot and DescribeCloudDiskTypes do.
    ctx.services.regions.select(regionIds);
    const page = await ctx.services.snapshots.describe({
      accountId: ctx.accountId, snapshotIds, name, diskId, instanceId, regionIds,
      offset: (pageNumber - 1) * pageSize, limit: pageSize,
    });
    return {
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: page.total,
      Snapshots: page.items.map(snapshotItem),
    };
  },
};
