import { refsOf, type Action } from './action.js';
import { ID_RULE, NAME_RULE } from './params.js';

/** ModifyDiskAttribute (Terraform's disk_name update; not in the SDKs): renames a disk; answers `{RequestId}`. */
export const ModifyDiskAttribute: Action = {
  name: 'ModifyDiskAttribute',
  resources: (p) => refsOf(p, 'disk', 'DiskId'),
  async run(p, ctx) {
    const diskId = p.required('DiskId', ID_RULE);
    const name = p.optional('DiskName', NAME_RULE);
    await ctx.services.disks.modifyAttribute(ctx, diskId, { name });
    return {};
  },
};
