import { idParam, refsOf, type Action } from './action.js';
import { ID_RULE, invalid, NAME_RULE, DESCRIPTION_RULE, readTags } from './params.js';

const CATEGORIES = ['cloud_efficiency', 'cloud_ssd'] as const;

/** CreateDisk: a pay-as-you-go data disk, blank or from a snapshot, with up to 20 tags; answers `InstanceIds: [diskId]`. */
export const CreateDisk: Action = {
  name: 'CreateDisk',
  // The disk to be, in the requested region (so a region-scoped policy applies), and the source snapshot.
  resources: (p) => [{ type: 'disk', id: '*', regionId: idParam(p, 'EnsRegionId') ?? '*' }, ...refsOf(p, 'snapshot', 'SnapshotId')],
  async run(p, ctx) {
    const category = p.oneOf('Category', CATEGORIES, true)!;
    const regionId = p.required('EnsRegionId', ID_RULE);
    p.oneOf('InstanceChargeType', ['PostPaid'], true);
    const snapshotId = p.optional('SnapshotId', ID_RULE);
    const sizeGiB = p.integer('Size', { min: 1, max: 1_000_000, required: snapshotId === undefined });
    const name = p.optional('DiskName', NAME_RULE) ?? '';
    const description = p.optional('Description', DESCRIPTION_RULE) ?? '';
    const tags = readTags(p, false);
    // Not supported yet: refuse rather than pretend (encryption).
    if ((p.optional('Encrypted') ?? 'false') !== 'false') throw invalid('Encrypted');
    if (p.has('KMSKeyId')) throw invalid('KMSKeyId');
    p.optional('InstanceBillingCycle', { max: 64 });
    const { diskId } = await ctx.services.disks.create(ctx,
      { regionId, category, sizeGiB, snapshotId, name, description, tags });
    return { InstanceIds: [diskId] };
  },
};
