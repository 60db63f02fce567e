import { refsOf, type Action } from './action.js';
import { ID_RULE } from './params.js';

/**
 * AttachDisk: an `Available` disk to an instance of the caller's in the same region; `DeleteWithInstance` is the
 * string `"true"` / `"false"` (default false). Answers `{RequestId, Code: 0}` at once; the disk is `Attaching`
 * until the job settles it `In-use`.
 */
export const AttachDisk: Action = {
  name: 'AttachDisk',
  resources: (p) => [...refsOf(p, 'disk', 'DiskId'), ...refsOf(p, 'instance', 'InstanceId')],
  async run(p, ctx) {
    const diskId = p.required('DiskId', ID_RULE);
    const instanceId = p.required('InstanceId', ID_RULE);
    const deleteWithInstance = p.oneOf('DeleteWithInstance', ['true', 'false'], false) === 'true';
    await ctx.services.disks.attach(ctx, diskId, instanceId, deleteWithInstance);
    return { Code: 0 };
  },
};
