import { refsOf, type Action } from './action.js';
import { ID_RULE } from './params.js';

/**
 * ResizeDisk: grows an `Available` disk to `NewSize` GiB (grow only, up to the region's maximum:
 * `InvalidParameter.NewSize` otherwise); answers `{RequestId, OrderId}`.
 */
export const ResizeDisk: Action = {
  name: 'ResizeDisk',
  resources: (p) => refsOf(p, 'disk', 'DiskId'),
  async run(p, ctx) {
    const diskId = p.required('DiskId', ID_RULE);
    const newSize = p.integer('NewSize', { min: 1, max: 1_000_000, required: true })!;
    const { orderId } = await ctx.services.disks.resize(ctx, diskId, newSize);
    return { OrderId: orderId };
  },
};
