import { refsOf, type Action } from './action.js';
import { ID_RULE } from './params.js';

/**
 * DetachDisk: an `In-use` disk from the instance it is attached to. Answers `{RequestId, Code: 0}` at once; the
 * disk is `Detaching` until the job settles it `Available` (and DescribeDisks' `InstanceId` filter no longer finds it).
 */
export const DetachDisk: Action = {
  name: 'DetachDisk',
  resources: (p) => [...refsOf(p, 'disk', 'DiskId'), ...refsOf(p, 'instance', 'InstanceId')],
  async run(p, ctx) {
    const diskId = p.required('DiskId', ID_RULE);
    const instanceId = p.required('InstanceId', ID_RULE);
    await ctx.services.disks.detach(ctx, diskId, instanceId);
    return { Code: 0 };
  },
};
