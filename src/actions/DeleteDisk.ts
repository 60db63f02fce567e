import { refsOf, type Action } from './action.js';
import { ID_RULE } from './params.js';

/** DeleteDisk: only an `Available` disk; its volume is removed by a job. */
export const DeleteDisk: Action = {
  name: 'DeleteDisk',
  resources: (p) => refsOf(p, 'disk', 'DiskId'),
  async run(p, ctx) {
    const diskId = p.required('DiskId', ID_RULE);
    await ctx.services.disks.delete(ctx, diskId);
    return { Code: 0 };
  },
};
