/**
 * Tags of resources (disks only, so far): TagResources, UntagResources,
 * ListTagResources, and the tags DescribeDisks shows. Every change is one
 * transaction: an unknown resource anywhere in the request changes nothing.
 */
import { apiError } from '../kernel/errors.js';
import { Ens } from '../kernel/catalog.js';
import type { MetadataTx } from '../store/metadata-store.js';
import type { TagRecord } from '../store/records.js';
import type { RequestContext, ServiceDeps } from './context.js';

export const MAX_TAGS_PER_RESOURCE = 20;

export interface Tag {
  key: string;
  value: string;
}

export type TaggableType = 'disk';

export interface TagListQuery {
  resourceType: TaggableType;
  resourceIds?: readonly string[];
  tags?: readonly { key: string; value?: string }[];
  after?: { resourceId: string; key: string };
  limit: number;
}

/** Sets `tags` on a disk inside the caller's transaction, enforcing the per-resource limit. */
/** The tags of these disks, by disk id, in one query (for a DescribeDisks page), inside the caller's transaction. */
export async function diskTags(tx: MetadataTx, accountId: string, diskIds: readonly string[]): Promise<Map<string, Tag[]>> {
  const byDisk = new Map<string, Tag[]>();
  if (diskIds.length === 0) return byDisk;
  for (const r of await tx.listTags({ accountId, resourceType: 'disk', resourceIds: diskIds })) {
    byDisk.set(r.resourceId, [...(byDisk.get(r.resourceId) ?? []), { key: r.key, value: r.value }]);
  }
  return byDisk;
}

export async function putDiskTags(tx: MetadataTx, accountId: string, diskId: string, tags: readonly Tag[]): Promise<void> {
  if (tags.length === 0) return;
  const existing = await tx.listTags({ accountId, resourceType: 'disk', resourceIds: [diskId] });
  const keys = new Set([...existing.map((t) => t.key), ...tags.map((t) => t.key)]);
  if (keys.size > MAX_TAGS_PER_RESOURCE) throw apiError(Ens.TagQuotaExceeded, diskId);
  await tx.putTags(tags.map((t) => ({ accountId, resourceType: 'disk', resourceId: diskId, key: t.key, value: t.value })));
}

export class Tags {
  constructor(private readonly deps: ServiceDeps) {}

  /** Sets the tags on every resource, overwriting existing keys; all or nothing. */
  async tag(ctx: RequestContext, _type: TaggableType, resourceIds: readonly string[], tags: readonly Tag[]): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      for (const id of resourceIds) {
        await requireDisk(tx, ctx, id);
        await putDiskTags(tx, ctx.accountId, id, tags);
      }
    });
  }

  /** Removes `keys` from every resource, or every tag when `keys` is `'all'`; all or nothing. */
  async untag(ctx: RequestContext, type: TaggableType, resourceIds: readonly string[],
    keys: readonly string[] | 'all'): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      for (const id of resourceIds) {
        await requireDisk(tx, ctx, id);
        await tx.deleteTags(type, id, keys === 'all' ? undefined : keys);
      }
    });
  }

  /** One page of tags in (resourceId, key) order; `more` when rows follow the last one. */
  async list(ctx: RequestContext, q: TagListQuery): Promise<{ items: TagRecord[]; more: boolean }> {
    const rows = await this.deps.store.transaction((tx) => tx.listTags({
      accountId: ctx.accountId, resourceType: q.resourceType, resourceIds: q.resourceIds, tags: q.tags,
      after: q.after, limit: q.limit + 1,
    }));
    return { items: rows.slice(0, q.limit), more: rows.length > q.limit };
  }

}

/** A disk of the caller's that is not deleted, or `InvalidDiskId.NotFound`. */
async function requireDisk(tx: MetadataTx, ctx: RequestContext, diskId: string): Promise<void> {
  const disk = await tx.getDisk(diskId, ctx.accountId);
  if (!disk || disk.status === 'Deleted') throw apiError(Ens.DiskNotFound, diskId);
}
