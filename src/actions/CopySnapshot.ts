import { refsOf, type Action } from './action.js';
import { DESCRIPTION_RULE, ID_RULE, NAME_RULE } from './params.js';
import { apiError } from '../kernel/errors.js';
import { Ens, Gateway } from '../kernel/catalog.js';

/** Regions one call may copy to (ENS documents no limit; edgesnap has a handful of nodes). */
const MAX_DESTINATIONS = 20;

/**
 * CopySnapshot: copies an `available` snapshot to other nodes. `DestinationRegionIds` comes as the SDK's "shrunk"
 * JSON array in a string (or one bare id). The new snapshots' ids are answered in `AllocationId[].InstanceId[]`
 * (the SDK's field name; the documentation calls the list "the snapshots created").
 */
export const CopySnapshot: Action = {
  name: 'CopySnapshot',
  resources: (p) => refsOf(p, 'snapshot', 'SnapshotId'),
  async run(p, ctx) {
    const snapshotId = p.required('SnapshotId', ID_RULE);
    if (!p.has('DestinationRegionIds')) throw apiError(Gateway.MissingParameter, 'DestinationRegionIds');
    const destinationRegionIds = p.idList('DestinationRegionIds', MAX_DESTINATIONS) ?? [];
    if (destinationRegionIds.length === 0) throw apiError(Ens.InvalidParameter, 'DestinationRegionIds');
    const name = p.optional('DestinationSnapshotName', NAME_RULE) ?? '';
    const description = p.optional('DestinationSnapshotDescription', DESCRIPTION_RULE) ?? '';
    p.optional('InstanceBillingCycle', { max: 64 });
    const { allocated, unallocated } = await ctx.services.snapshotCopies.copy(ctx, {
      snapshotId, destinationRegionIds, name, description,
    });
    return {
      BizStatusCode: unallocated.length === 0 ? 'AllSuccess' : 'PartSuccess',
      AllocationId: allocated.map((a) => ({ EnsRegionId: a.regionId, InstanceId: [a.snapshotId] })),
      UnAllocationId: unallocated.map((u) => ({ EnsRegionId: u.regionId })),
    };
  },
};
