import { refsOf, type Action } from './action.js';
import { DESCRIPTION_RULE, ID_RULE, NAME_RULE } from './params.js';

/** CreateSnapshot: a point-in-time snapshot of a disk; answers at once, the snapshot is `creating`. */
export const CreateSnapshot: Action = {
  name: 'CreateSnapshot',
  resources: (p) => refsOf(p, 'disk', 'DiskId'),
  async run(p, ctx) {
    const diskId = p.required('DiskId', ID_RULE);
    const regionId = p.required('EnsRegionId', ID_RULE);
    const name = p.optional('SnapshotName', NAME_RULE) ?? '';
    const description = p.optional('Description', DESCRIPTION_RULE) ?? '';
    p.optional('InstanceBillingCycle', { max: 64 });
    const { snapshotId, orderId } = await ctx.services.snapshots.create(ctx, { regionId, diskId, name, description });
    return {
      SnapShotId: ctx.options.snapshotIdFormat === 'string' ? snapshotId : [snapshotId],
      OrderId: orderId,
    };
  },
};
