/**
 * The realistic sequence every transport runs: offers → disk → snapshot → describe → attributes → tags →
 * resize → reset → disk from snapshot → (copy, attach/detach) → delete, each answer cast into its SDK model.
 * Steps for actions other engineers are still adding run only once the action is in `ACTIONS`.
 */
import assert from 'node:assert/strict';
import { ACTIONS } from '../../src/actions/index.js';
import { eventually } from '../support/server.js';
import type { ContractClient } from './contract-client.js';
import { disks, regions, snapshots, tags } from './models/index.js';

export const REGION = 'cn-shenzhen-3';
export const COPY_REGION = 'cn-beijing-15';

/** Every action the scenario has steps for (the completeness test requires each of `ACTIONS` here). */
export const SCENARIO_ACTIONS: readonly string[] = [
  'DescribeEnsRegions', 'DescribeCloudDiskTypes', 'DescribeCloudDiskAvailableResourceInfo', 'CreateDisk',
  'DescribeDisks', 'CreateSnapshot', 'DescribeSnapshots', 'ModifySnapshotAttribute', 'ModifyDiskAttribute',
  'TagResources', 'ListTagResources', 'UntagResources', 'ResizeDisk', 'ResetDisk', 'CopySnapshot', 'AttachDisk',
  'DetachDisk', 'DeleteSnapshot', 'DeleteDisk',
];

export interface ScenarioHooks {
  /** A `Running` instance in `regionId` for AttachDisk (registered the way an operator does). */
  registerInstance(regionId: string): Promise<string>;
}

type Disk = disks.DescribeDisksResponseBodyDisksDisks;
type Snapshot = snapshots.DescribeSnapshotsResponseBodySnapshots;

export async function lifecycle(c: ContractClient, hooks: ScenarioHooks): Promise<void> {
  await offers(c);
  await diskOffers(c);
  const diskId = await createDisk(c);
  const snapId = await snapshotAndDescribe(c, diskId);
  await attributes(c, diskId, snapId);
  await tagging(c, diskId);
  await resizeAndReset(c, diskId, snapId);
  const cloneId = await cloneDisk(c, snapId);
  if (ACTIONS.has('CopySnapshot')) await copySnapshot(c, snapId);
  // Skipped only while AttachDisk/DetachDisk are not in ACTIONS (being implemented).
  if (ACTIONS.has('AttachDisk') && ACTIONS.has('DetachDisk')) await attachDetach(c, diskId, hooks);
  await deleteAll(c, diskId, snapId, cloneId);
}

async function offers(c: ContractClient): Promise<void> {
  const r = await c.ok(regions.DescribeEnsRegionsResponseBody, 'DescribeEnsRegions');
  assert.equal(r.code, 0);
  const shenzhen = r.ensRegions?.ensRegions?.find((x) => x.ensRegionId === REGION);
  assert.equal(shenzhen?.enName, 'Shenzhen-3');
  const one = await c.ok(regions.DescribeEnsRegionsResponseBody, 'DescribeEnsRegions', { EnsRegionId: REGION });
  assert.deepEqual(one.ensRegions?.ensRegions?.map((x) => x.ensRegionId), [REGION]);

}

/** What CreateDisk accepts, as DescribeCloudDiskTypes and DescribeCloudDiskAvailableResourceInfo announce it. */
async function diskOffers(c: ContractClient): Promise<void> {
  const types = await c.ok(regions.DescribeCloudDiskTypesResponseBody, 'DescribeCloudDiskTypes',
    { EnsRegionIds: JSON.stringify([REGION, COPY_REGION]) });
  const pairs = types.supportResources?.supportResource?.map((x) => `${x.ensRegionId}/${x.category}`) ?? [];
  assert.ok(pairs.includes(`${REGION}/cloud_ssd`) && pairs.includes(`${COPY_REGION}/cloud_efficiency`), pairs.join());
  assert.ok(pairs.every((p) => p.startsWith(`${REGION}/`) || p.startsWith(`${COPY_REGION}/`)), pairs.join());

  const info = await c.ok(regions.DescribeCloudDiskAvailableResourceInfoResponseBody, 'DescribeCloudDiskAvailableResourceInfo');
  const ssd = info.supportResources?.supportResource?.find((x) => x.ensRegionId === REGION && x.category === 'cloud_ssd');
  assert.equal(ssd?.diskMinSize, 1);
  assert.ok((ssd?.diskMaxSize ?? 0) >= 2 && typeof ssd?.defaultDiskSize === 'number' && ssd.ensRegionName);
}

async function createDisk(c: ContractClient): Promise<string> {
  const created = await c.ok(disks.CreateDiskResponseBody, 'CreateDisk', {
    EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', Size: '1', DiskName: 'contract-disk',
    Description: 'contract test disk', 'Tag.1.Key': 'team', 'Tag.1.Value': 'storage',
  });
  assert.equal(created.instanceIds?.length, 1);
  const diskId = created.instanceIds![0]!;
  assert.match(diskId, /^d-/);
  const d = await diskWhen(c, diskId, (x) => x.status === 'Available');
  assert.deepEqual(
    { size: d.size, category: d.category, name: d.diskName, description: d.description, region: d.ensRegionId,
      type: d.type, charge: d.diskChargeType, tags: d.tags?.tags?.map((t) => [t.key, t.value]) },
    { size: 1024, category: 'cloud_ssd', name: 'contract-disk', description: 'contract test disk', region: REGION,
      type: '2', charge: 'postpay', tags: [['team', 'storage']] });
  assert.match(d.creationTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  return diskId;
}

async function snapshotAndDescribe(c: ContractClient, diskId: string): Promise<string> {
  const made = await c.ok(snapshots.CreateSnapshotResponseBody, 'CreateSnapshot',
    { EnsRegionId: REGION, DiskId: diskId, SnapshotName: 'contract-snap', Description: 'first snapshot' });
  const snapId = made.snapShotId?.[0];
  assert.ok(snapId !== undefined && made.snapShotId?.length === 1, 'SnapShotId: [id]');
  const s = await snapshotWhen(c, snapId, (x) => x.status === 'available');
  assert.deepEqual(
    { id: s.snapshotId, name: s.snapshotName, description: s.description, disk: s.sourceDiskId, region: s.ensRegionId,
      size: s.size, category: s.sourceDiskCategory, type: s.sourceDiskType },
    { id: snapId, name: 'contract-snap', description: 'first snapshot', disk: diskId, region: REGION, size: '1024',
      category: 'cloud_ssd', type: '2' });
  const byDisk = await c.ok(snapshots.DescribeSnapshotsResponseBody, 'DescribeSnapshots',
    { DiskId: diskId, EnsRegionIds: JSON.stringify([REGION]), PageNumber: '1', PageSize: '10' });
  assert.deepEqual([byDisk.totalCount, byDisk.pageNumber, byDisk.pageSize], [1, 1, 10]);
  const page = await c.ok(disks.DescribeDisksResponseBody, 'DescribeDisks',
    { DiskIds: JSON.stringify([diskId]), EnsRegionIds: JSON.stringify([REGION]), PageSize: '50' });
  assert.deepEqual([page.code, page.totalCount, page.pageSize, page.disks?.disks?.[0]?.diskId], [0, 1, 50, diskId]);
  return snapId;
}

async function attributes(c: ContractClient, diskId: string, snapId: string): Promise<void> {
  await c.ok(snapshots.ModifySnapshotAttributeResponseBody, 'ModifySnapshotAttribute',
    { SnapshotId: snapId, SnapshotName: 'contract-renamed', Description: 'renamed snapshot' });
  const s = await snapshotWhen(c, snapId, () => true);
  assert.deepEqual([s.snapshotName, s.description], ['contract-renamed', 'renamed snapshot']);
  await c.ok(disks.ModifyDiskAttributeResponseBody, 'ModifyDiskAttribute', { DiskId: diskId, DiskName: 'contract-disk-2' });
  assert.equal((await diskWhen(c, diskId, () => true)).diskName, 'contract-disk-2');
}

async function tagging(c: ContractClient, diskId: string): Promise<void> {
  const resource = { ResourceType: 'disk', 'ResourceId.1': diskId };
  await c.ok(tags.TagResourcesResponseBody, 'TagResources', { ...resource, 'Tag.1.Key': 'env', 'Tag.1.Value': 'test' });
  const listed = await c.ok(tags.ListTagResourcesResponseBody, 'ListTagResources', resource);
  assert.deepEqual(listed.tagResources?.map((t) => [t.resourceId, t.resourceType, t.tagKey, t.tagValue]),
    [[diskId, 'disk', 'env', 'test'], [diskId, 'disk', 'team', 'storage']]);
  assert.equal(listed.nextToken, '');
  await c.ok(tags.UntagResourcesResponseBody, 'UntagResources', { ...resource, 'TagKey.1': 'team' });
  const left = await c.ok(tags.ListTagResourcesResponseBody, 'ListTagResources', resource);
  assert.deepEqual(left.tagResources?.map((t) => t.tagKey), ['env']);
  const d = await diskWhen(c, diskId, () => true);
  assert.deepEqual(d.tags?.tags?.map((t) => [t.key, t.value]), [['env', 'test']]);
}

async function resizeAndReset(c: ContractClient, diskId: string, snapId: string): Promise<void> {
  const resized = await c.ok(disks.ResizeDiskResponseBody, 'ResizeDisk', { DiskId: diskId, NewSize: '2' });
  assert.equal(typeof resized.orderId, 'string');
  await diskWhen(c, diskId, (d) => d.status === 'Available' && d.size === 2048);
  const reset = await c.ok(disks.ResetDiskResponseBody, 'ResetDisk', { DiskId: diskId, SnapshotId: snapId });
  assert.equal(typeof reset.requestId, 'string');
  await diskWhen(c, diskId, (d) => d.status === 'Available');
}

async function cloneDisk(c: ContractClient, snapId: string): Promise<string> {
  const created = await c.ok(disks.CreateDiskResponseBody, 'CreateDisk',
    { EnsRegionId: REGION, Category: 'cloud_efficiency', InstanceChargeType: 'PostPaid', SnapshotId: snapId });
  const cloneId = created.instanceIds![0]!;
  const d = await diskWhen(c, cloneId, (x) => x.status === 'Available');
  assert.deepEqual([d.snapshotId, d.size, d.category], [snapId, 1024, 'cloud_efficiency']);
  const bySnap = await c.ok(disks.DescribeDisksResponseBody, 'DescribeDisks', { SnapshotId: snapId });
  assert.deepEqual(bySnap.disks?.disks?.map((x) => x.diskId), [cloneId]);
  return cloneId;
}

async function copySnapshot(c: ContractClient, snapId: string): Promise<void> {
  const copied = await c.ok(snapshots.CopySnapshotResponseBody, 'CopySnapshot', {
    SnapshotId: snapId, DestinationRegionIds: JSON.stringify([COPY_REGION]), DestinationSnapshotName: 'contract-copy',
  });
  assert.equal(copied.bizStatusCode, 'AllSuccess');
  assert.deepEqual(copied.unAllocationId ?? [], []);
  const alloc = copied.allocationId?.[0];
  assert.equal(alloc?.ensRegionId, COPY_REGION);
  const copyId = alloc?.instanceId?.[0];
  assert.ok(copyId !== undefined, 'AllocationId[0].InstanceId[0]: the new snapshot');
  const s = await snapshotWhen(c, copyId, (x) => x.status === 'available');
  assert.deepEqual([s.ensRegionId, s.sourceSnapshotId, s.sourceEnsRegionId, s.snapshotName],
    [COPY_REGION, snapId, REGION, 'contract-copy']);
  await c.ok(snapshots.DeleteSnapshotResponseBody, 'DeleteSnapshot', { SnapshotId: copyId });
  await snapshotGone(c, copyId);
}

async function attachDetach(c: ContractClient, diskId: string, hooks: ScenarioHooks): Promise<void> {
  const instanceId = await hooks.registerInstance(REGION);
  const attached = await c.ok(disks.AttachDiskResponseBody, 'AttachDisk', { DiskId: diskId, InstanceId: instanceId });
  assert.equal(attached.code, 0);
  const d = await eventually(async () => {
    const page = await c.ok(disks.DescribeDisksResponseBody, 'DescribeDisks', { DiskId: diskId, InstanceId: instanceId });
    const found = page.disks?.disks?.[0];
    return found !== undefined && found.status !== 'Attaching' ? found : undefined;
  }, `${diskId} attached to ${instanceId}`);
  assert.deepEqual([d.instanceId, d.instanceName, d.status], [instanceId, 'contract-instance', 'In-use']);
  const detached = await c.ok(disks.DetachDiskResponseBody, 'DetachDisk', { DiskId: diskId, InstanceId: instanceId });
  assert.equal(detached.code, 0);
  const free = await diskWhen(c, diskId, (x) => x.status === 'Available');
  assert.equal(free.instanceId, '');
}

async function deleteAll(c: ContractClient, diskId: string, snapId: string, cloneId: string): Promise<void> {
  for (const id of [cloneId]) {
    assert.equal((await c.ok(disks.DeleteDiskResponseBody, 'DeleteDisk', { DiskId: id })).code, 0);
    await diskGone(c, id);
  }
  await c.ok(snapshots.DeleteSnapshotResponseBody, 'DeleteSnapshot', { SnapshotId: snapId });
  await snapshotGone(c, snapId);
  assert.equal((await c.ok(disks.DeleteDiskResponseBody, 'DeleteDisk', { DiskId: diskId })).code, 0);
  await diskGone(c, diskId);
}

/** Polls DescribeDisks (as Terraform does) until the disk satisfies `pred`. */
function diskWhen(c: ContractClient, diskId: string, pred: (d: Disk) => boolean): Promise<Disk> {
  return eventually(async () => {
    const page = await c.ok(disks.DescribeDisksResponseBody, 'DescribeDisks', { DiskId: diskId });
    const d = page.disks?.disks?.[0];
    return d !== undefined && pred(d) ? d : undefined;
  }, `disk ${diskId}`);
}

function snapshotWhen(c: ContractClient, snapId: string, pred: (s: Snapshot) => boolean): Promise<Snapshot> {
  return eventually(async () => {
    const page = await c.ok(snapshots.DescribeSnapshotsResponseBody, 'DescribeSnapshots', { SnapshotId: snapId });
    const s = page.snapshots?.[0];
    return s !== undefined && pred(s) ? s : undefined;
  }, `snapshot ${snapId}`);
}

/** Terraform waits for an empty list after a delete: `Disks.Disks` must then be present and empty. */
async function diskGone(c: ContractClient, diskId: string): Promise<void> {
  await eventually(async () => {
    const page = await c.ok(disks.DescribeDisksResponseBody, 'DescribeDisks', { DiskId: diskId });
    return page.disks?.disks?.length === 0 ? true : undefined;
  }, `disk ${diskId} gone`);
}

async function snapshotGone(c: ContractClient, snapId: string): Promise<void> {
  await eventually(async () => {
    const page = await c.ok(snapshots.DescribeSnapshotsResponseBody, 'DescribeSnapshots', { SnapshotId: snapId });
    return page.snapshots?.length === 0 ? true : undefined;
  }, `snapshot ${snapId} gone`);
}
