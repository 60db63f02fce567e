import { taggedDisks, type Action } from './action.js';
import { checkTagKey, readResourceIds } from './params.js';

/**
 * UntagResources: removes `TagKey.N` (0–20) from the disks `ResourceId.N` (1–50); keys a disk lacks are
 * ignored. With no keys, `All=true` removes every tag and `All=false` (the default) removes nothing; with
 * keys, `All` is ignored. All or nothing: an unknown disk changes nothing.
 */
export const UntagResources: Action = {
  name: 'UntagResources',
  resources: taggedDisks,
  async run(p, ctx) {
    const type = p.oneOf('ResourceType', ['disk'], true)!;
    const resourceIds = readResourceIds(p, true);
    const keys = p.repeatList('TagKey', 20).map((k) => checkTagKey('TagKey', k));
    const all = p.oneOf('All', ['true', 'false'], false) === 'true';
    await ctx.services.tags.untag(ctx, type, resourceIds, keys.length === 0 && all ? 'all' : keys);
    return {};
  },
};
