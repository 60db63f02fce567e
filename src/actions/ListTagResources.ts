import type { Action } from './action.js';
import { checkTagKey, invalid, readResourceIds } from './params.js';

/** Rows per page; `NextToken` continues after the last row of the page. */
export const TAG_PAGE_SIZE = 50;

/**
 * ListTagResources: `TagResources[]` of `{ResourceId, ResourceType, TagKey, TagValue}` in (ResourceId, TagKey)
 * order, 50 per page. `ResourceId.N` (0–50) narrows to those disks; `Tag.N.Key` (0–20, with an optional
 * `Tag.N.Value`; empty = any value) keeps the rows matching any of them. `NextToken` is opaque; it is `""` on the last page.
 */
export const ListTagResources: Action = {
  name: 'ListTagResources',
  async run(p, ctx) {
    const resourceType = p.oneOf('ResourceType', ['disk'], true)!;
    const resourceIds = readResourceIds(p, false);
    const tags = p.objectList('Tag', ['Key', 'Value'], 20).map((t) => ({
      key: checkTagKey('Tag.Key', t.Key ?? ''),
      value: t.Value === undefined || t.Value === '' ? undefined : checkTagKey('Tag.Value', t.Value),
    }));
    const token = p.optional('NextToken', { max: 1024 });
    const page = await ctx.services.tags.list(ctx, {
      resourceType,
      resourceIds: resourceIds.length > 0 ? resourceIds : undefined,
      tags: tags.length > 0 ? tags : undefined,
      after: token === undefined ? undefined : decodeToken(token),
      limit: TAG_PAGE_SIZE,
    });
    const last = page.items.at(-1);
    return {
      NextToken: page.more && last ? encodeToken(last.resourceId, last.key) : '',
      TagResources: page.items.map((t) => ({
        ResourceId: t.resourceId, ResourceType: t.resourceType, TagKey: t.key, TagValue: t.value,
      })),
    };
  },
};

function encodeToken(resourceId: string, key: string): string {
  return Buffer.from(JSON.stringify([resourceId, key]), 'utf8').toString('base64url');
}

function decodeToken(token: string): { resourceId: string; key: string } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('NextToken');
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') throw invalid('NextToken');
  return { resourceId: v[0], key: v[1] };
}
