import { refsOf, type Action } from './action.js';
import { DESCRIPTION_RULE, ID_RULE, NAME_RULE, type TextRule } from './params.js';

/** SnapshotName as CreateSnapshot takes it, and not starting with `auto` (reserved for automatic snapshots). */
const MODIFY_NAME_RULE: TextRule = { ...NAME_RULE, notStartingWith: [...(NAME_RULE.notStartingWith ?? []), 'auto'] };

/** ModifySnapshotAttribute: renames and/or re-describes a snapshot; answers `{RequestId}`. */
export const ModifySnapshotAttribute: Action = {
  name: 'ModifySnapshotAttribute',
  resources: (p) => refsOf(p, 'snapshot', 'SnapshotId'),
  async run(p, ctx) {
    const snapshotId = p.required('SnapshotId', ID_RULE);
    const name = p.optional('SnapshotName', MODIFY_NAME_RULE);
    const description = p.optional('Description', DESCRIPTION_RULE);
    await ctx.services.snapshots.modifyAttribute(ctx, snapshotId, { name, description });
    return {};
  },
};
