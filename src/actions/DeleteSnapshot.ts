import { refsOf, type Action } from './action.js';
import { ID_RULE } from './params.js';

/** DeleteSnapshot: the snapshot disappears from listings at once; its data is removed by a job. */
export const DeleteSnapshot: Action = {
  name: 'DeleteSnapshot',
  resources: (p) => refsOf(p, 'snapshot', 'SnapshotId'),
  async run(p, ctx) {
    const snapshotId = p.required('SnapshotId', ID_RULE);
    await ctx.services.snapshots.delete(ctx, snapshotId);
    return {};
  },
};
