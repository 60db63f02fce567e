import type { Action } from './action.js';

/**
 * How many disks of a category a region reports as buyable. edgesnap has no
 * per-region quota or stock yet (issue #4), so this is a fixed figure meaning
 * "plenty"; CreateDisk does not count against it.
 */
const CAN_BUY_COUNT = 100;

/**
 * DescribeCloudDiskAvailableResourceInfo (no parameters): per region and
 * category, the disk sizes CreateDisk accepts (GiB) and the default size.
 */
export const DescribeCloudDiskAvailableResourceInfo: Action = {
  name: 'DescribeCloudDiskAvailableResourceInfo',
  async run(_p, ctx) {
    const { regions } = ctx.services;
    const resources = regions.all.flatMap((r) => regions.diskCategories.map((category) => ({
      EnsRegionId: r.id,
      EnsRegionName: r.name,
      Category: category,
      DiskMinSize: r.diskMinGiB,
      DiskMaxSize: r.diskMaxGiB,
      DefaultDiskSize: r.diskDefaultGiB,
      CanBuyCount: CAN_BUY_COUNT,
      Ability: { Ability: [] },
    })));
    return { SupportResources: { SupportResource: resources } };
  },
};
