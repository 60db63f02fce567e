/**
 * The response-body model of every ENS action edgesnap implements or is about to, by wire name. The
 * completeness test requires one here for each action in `ACTIONS`.
 */
import type { ModelClass } from './model.js';
import * as disks from './disks.js';
import * as regions from './regions.js';
import * as snapshots from './snapshots.js';
import * as tags from './tags.js';

export const RESPONSE_MODELS: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ['AttachDisk', disks.AttachDiskResponseBody],
  ['CopySnapshot', snapshots.CopySnapshotResponseBody],
  ['CreateDisk', disks.CreateDiskResponseBody],
  ['CreateSnapshot', snapshots.CreateSnapshotResponseBody],
  ['DeleteDisk', disks.DeleteDiskResponseBody],
  ['DeleteSnapshot', snapshots.DeleteSnapshotResponseBody],
  ['DescribeCloudDiskAvailableResourceInfo', regions.DescribeCloudDiskAvailableResourceInfoResponseBody],
  ['DescribeCloudDiskTypes', regions.DescribeCloudDiskTypesResponseBody],
  ['DescribeDisks', disks.DescribeDisksResponseBody],
  ['DescribeEnsRegions', regions.DescribeEnsRegionsResponseBody],
  ['DescribeSnapshots', snapshots.DescribeSnapshotsResponseBody],
  ['DetachDisk', disks.DetachDiskResponseBody],
  ['ListTagResources', tags.ListTagResourcesResponseBody],
  ['ModifyDiskAttribute', disks.ModifyDiskAttributeResponseBody],
  ['ModifySnapshotAttribute', snapshots.ModifySnapshotAttributeResponseBody],
  ['ResetDisk', disks.ResetDiskResponseBody],
  ['ResizeDisk', disks.ResizeDiskResponseBody],
  ['TagResources', tags.TagResourcesResponseBody],
  ['UntagResources', tags.UntagResourcesResponseBody],
]);

export { disks, regions, snapshots, tags };
export { ErrorResponseBody } from './error.js';
export type { FieldType, ModelClass } from './model.js';
