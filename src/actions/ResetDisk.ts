import { refsOf, type Action } from './action.js';
import { ID_RULE } from './params.js';

/**
 * ResetDisk: rolls a disk back to one of its own `available` snapshots; answers `{RequestId}` at once, the
 * disk is `ReIniting` until the rollback job has finished, then `Available`.
 */
export const ResetDisk: Action = {
  name: 'ResetDisk',
  resources: (p) => [...refsOf(p, 'disk', 'DiskId'), ...refsOf(p, 'snapshot', 'SnapshotId')],
  async run(p, ctx) {
    const diskId = p.required('DiskId', ID_RULE);
    const snapshotId = p.required('SnapshotId', ID_RULE);
    await ctx.services.disks.reset(ctx, diskId, snapshotId);
    return {};
  },
};
