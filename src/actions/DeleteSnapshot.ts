import type { Action } from './action.js';
import { ID_RULE } from './params.js';

/** DeleteSnapshot: the snapshot disappears from listings at once; its data is removed by a job. */
export const DeleteSnapshot: Action = {
  name: 'DeleteSnapshot',
  async run(p, ctx) {
    const snapshotId = p.required('SnapshotId', ID_RULE);
    await ctx.services.snapshots.delete(ctx, snapshotId);
    return {};
  },
};
