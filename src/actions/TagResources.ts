import { taggedDisks, type Action } from './action.js';
import { readResourceIds, readTags } from './params.js';

/**
 * TagResources: sets `Tag.N.Key`/`Tag.N.Value` (1–20) on the disks `ResourceId.N` (1–50); an existing key
 * gets the new value. All or nothing: an unknown disk or one that would exceed 20 tags changes nothing.
 */
export const TagResources: Action = {
  name: 'TagResources',
  resources: taggedDisks,
  async run(p, ctx) {
    const type = p.oneOf('ResourceType', ['disk'], true)!;
    const resourceIds = readResourceIds(p, true);
    const tags = readTags(p, true);
    await ctx.services.tags.tag(ctx, type, resourceIds, tags);
    return {};
  },
};
