/**
 * The region (ENS node) of the resources a request names, for the ARNs a RAM policy is matched against
 * (`acs:ens:<region>:<account>:disk/<id>`). Looked up within the caller's account only: an id that is not
 * the caller's, or exists nowhere, has the region `*` (the action itself then answers its not-found code).
 */
import type { ServiceDeps } from '../context.js';

export type ResourceType = 'disk' | 'snapshot' | 'instance';

export interface ResourceRef {
  readonly type: ResourceType;
  /** The resource id, or `*` for one not created yet (CreateDisk). */
  readonly id: string;
  /** Known from the request itself (a resource to be created in that region); else looked up. */
  readonly regionId?: string;
}

export class ResourceRegions {
  constructor(private readonly deps: ServiceDeps) {}

  async regionsOf(accountId: string, refs: readonly ResourceRef[]): Promise<string[]> {
    return this.deps.store.transaction(async (tx) => {
      const out: string[] = [];
      for (const ref of refs) {
        if (ref.regionId !== undefined) {
          out.push(ref.regionId);
          continue;
        }
        const found = ref.type === 'disk' ? await tx.getDisk(ref.id, accountId)
          : ref.type === 'snapshot' ? await tx.getSnapshot(ref.id, accountId)
            : await tx.getInstance(ref.id, accountId);
        out.push(found?.regionId ?? '*');
      }
      return out;
    });
  }
}
