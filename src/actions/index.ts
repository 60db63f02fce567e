/**
 * The action table: every API action edgesnap answers, by its wire name. An
 * action missing here answers `InvalidAction.NotFound`. docs/api.md lists the
 * same set (a test keeps them in step).
 */
import type { Action } from './action.js';
import { AttachDisk } from './AttachDisk.js';
import { CopySnapshot } from './CopySnapshot.js';
import { CreateDisk } from './CreateDisk.js';
import { CreateSnapshot } from './CreateSnapshot.js';
import { DeleteDisk } from './DeleteDisk.js';
import { DeleteSnapshot } from './DeleteSnapshot.js';
import { DescribeCloudDiskAvailableResourceInfo } from './DescribeCloudDiskAvailableResourceInfo.js';
import { DescribeCloudDiskTypes } from './DescribeCloudDiskTypes.js';
import { DescribeDisks } from './DescribeDisks.js';
import { DescribeEnsRegions } from './DescribeEnsRegions.js';
import { DescribeSnapshots } from './DescribeSnapshots.js';
import { DetachDisk } from './DetachDisk.js';
import { ModifyDiskAttribute } from './ModifyDiskAttribute.js';
import { ListTagResources } from './ListTagResources.js';
import { ModifySnapshotAttribute } from './ModifySnapshotAttribute.js';
import { TagResources } from './TagResources.js';
import { UntagResources } from './UntagResources.js';
import { ResetDisk } from './ResetDisk.js';
import { ResizeDisk } from './ResizeDisk.js';

export const ENS_API_VERSION = '2017-11-10';

export const ACTIONS: ReadonlyMap<string, Action> = new Map(
  [
    AttachDisk,
    CopySnapshot,
    CreateDisk,
    CreateSnapshot,
    DeleteDisk,
    DeleteSnapshot,
    DescribeCloudDiskAvailableResourceInfo,
    DescribeCloudDiskTypes,
    DescribeDisks,
    DescribeEnsRegions,
    DescribeSnapshots,
    DetachDisk,
    ModifyDiskAttribute,
    ModifySnapshotAttribute,
    ListTagResources,
    TagResources,
    UntagResources,
    ResetDisk,
    ResizeDisk,
  ].map((a) => [a.name, a]),
);

export type { Action, ActionContext, ActionOptions, ActionResult } from './action.js';
export { Params } from './params.js';
