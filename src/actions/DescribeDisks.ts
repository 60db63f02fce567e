import type { Action } from './action.js';
import { ID_RULE, invalid } from './params.js';
import { diskItem } from './shapes.js';

/** DescribeDisks: `Disks.Disks[]`, always present; Size in MiB; paging 10 by default, 50 at most. */
export const DescribeDisks: Action = {
  name: 'DescribeDisks',
  async run(p, ctx) {
    const diskId = p.optional('DiskId', ID_RULE);
    const diskIds = p.idList('DiskIds', 100);
    const region = p.optional('EnsRegionId', ID_RULE);
    const regions = p.idList('EnsRegionIds', 100);
    const type = p.oneOf('Type', ['system', 'data'], false);
    const instanceId = p.optional('InstanceId', ID_RULE);
    const filter = {
      accountId: ctx.accountId,
      diskIds: diskId !== undefined ? [diskId, ...(diskIds ?? [])] : diskIds,
      regionIds: region !== undefined ? [region, ...(regions ?? [])] : regions,
      name: p.optional('DiskName', { max: 128 }),
      category: p.optional('Category', { max: 64 }),
      status: p.optional('Status', { max: 64 }),
      sourceSnapshotId: p.optional('SnapshotId', ID_RULE),
      diskType: type === undefined ? undefined : type === 'system' ? ('1' as const) : ('2' as const),
    };
    if (p.has('OrderByParams')) parseOrderBy(p.optional('OrderByParams')!);
    const { pageNumber, pageSize } = p.page(10, 50);
    const page = instanceId !== undefined
      ? { items: [], total: 0, tags: new Map() } // no disk is attached to an instance yet
      : await ctx.services.disks.describe({ ...filter, offset: (pageNumber - 1) * pageSize, limit: pageSize });
    return {
      Code: 0,
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: page.total,
      Disks: { Disks: page.items.map((d) => diskItem(d, page.tags.get(d.id))) },
    };
  },
};

/** OrderByParams is accepted when it is a JSON object (ordering is by creation time for now). */
function parseOrderBy(raw: string): void {
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return;
  } catch {
    // falls through to the error below
  }
  throw invalid('OrderByParams');
}
