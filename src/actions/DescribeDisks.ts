import type { Action } from './action.js';
import { ID_RULE, invalid } from './params.js';
import { diskItem } from './shapes.js';

const CATEGORIES = ['cloud_efficiency', 'cloud_ssd', 'local_hdd', 'local_ssd'] as const;
/** ENS's DescribeDisks `Status` vocabulary (ens-api.md §4), and edgesnap's own `Failed`. */
const STATUSES = ['Creating', 'Available', 'Attaching', 'In-use', 'Detaching', 'ReIniting', 'Deleting', 'Deleted',
  'Expiring', 'Failed'] as const;

/** DescribeDisks: `Disks.Disks[]`, always present; Size in MiB; paging 10 by default, 50 at most. */
export const DescribeDisks: Action = {
  name: 'DescribeDisks',
  async run(p, ctx) {
    const diskId = p.optional('DiskId', ID_RULE);
    const diskIds = p.idList('DiskIds', 100);
    const region = p.optional('EnsRegionId', ID_RULE);
    const regions = p.idList('EnsRegionIds', 100);
    const type = p.oneOf('Type', ['system', 'data'], false);
    for (const id of [region, ...(regions ?? [])]) if (id !== undefined) ctx.services.regions.require(id);
    // Every edgesnap disk is bought on its own and paid as you go: `postpay`, a `PostPayDisk`.
    const diskKind = p.oneOf('DiskType', ['ServiceDisk', 'ResoureDisk', 'PostPayDisk'], false) ?? 'PostPayDisk';
    const chargeType = p.oneOf('DiskChargeType', ['prePay', 'postpay'], false) ?? 'postpay';
    const onlyOthers = diskKind !== 'PostPayDisk' || chargeType !== 'postpay';
    const filter = {
      accountId: ctx.accountId,
      diskIds: onlyOthers ? [] : diskId !== undefined ? [diskId, ...(diskIds ?? [])] : diskIds,
      regionIds: region !== undefined ? [region, ...(regions ?? [])] : regions,
      name: p.optional('DiskName', { max: 128 }),
      category: p.oneOf('Category', CATEGORIES, false),
      status: p.oneOf('Status', STATUSES, false),
      sourceSnapshotId: p.optional('SnapshotId', ID_RULE),
      // Terraform's alicloud_ens_disk_instance_attachment polls DiskId + InstanceId.
      instanceId: p.optional('InstanceId', ID_RULE),
      diskType: type === undefined ? undefined : type === 'system' ? ('1' as const) : ('2' as const),
    };
    if (p.has('OrderByParams')) parseOrderBy(p.optional('OrderByParams')!);
    const { pageNumber, pageSize } = p.page(10, 50);
    const page = await ctx.services.disks.describe({ ...filter, offset: (pageNumber - 1) * pageSize, limit: pageSize });
    return {
      Code: 0,
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: page.total,
      Disks: { Disks: page.items.map((d) => diskItem(d, page.tags.get(d.id), page.instances.get(d.instanceId)?.name)) },
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
