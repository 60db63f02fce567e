/** Response item shapes shared by several actions, named and typed as the SDK models. */
import { isoSeconds } from '../kernel/clock.js';
import type { Tag } from '../services/index.js';
import type { DiskRecord, SnapshotRecord } from '../store/records.js';

const MiB = 2 ** 20;

/**
 * One `Disks.Disks[]` item of DescribeDisks (Size in MiB, a number; `Tags.Tags[]` of `{Key, Value}`). `InstanceId`
 * is the instance the disk is attached to (also while attaching and detaching), `''` when none.
 */
export function diskItem(d: DiskRecord, tags: readonly Tag[] = [], instanceName = ''): Record<string, unknown> {
  return {
    DiskId: d.id,
    DiskName: d.name,
    Description: d.description,
    Category: d.category,
    Size: Math.round(d.sizeBytes / MiB),
    Status: d.status,
    Type: d.diskType,
    DiskChargeType: d.chargeType,
    EnsRegionId: d.regionId,
    InstanceId: d.instanceId,
    InstanceName: d.instanceId ? instanceName : '',
    SnapshotId: d.sourceSnapshotId,
    CreationTime: isoSeconds(d.createdAt),
    Portable: true,
    DeleteWithInstance: d.deleteWithInstance,
    Encrypted: false,
    EncryptedKeyId: '',
    SerialId: d.id.replace(/^d-/, ''),
    Tags: { Tags: tags.map((t) => ({ Key: t.key, Value: t.value })) },
  };
}

/** One `Snapshots[]` item of DescribeSnapshots (Size: a string, MiB). SnapshotName only when one was given. */
export function snapshotItem(s: SnapshotRecord): Record<string, unknown> {
  return {
    SnapshotId: s.id,
    ...(s.name ? { SnapshotName: s.name } : {}),
    Description: s.description,
    Status: s.status,
    CreationTime: isoSeconds(s.createdAt),
    Size: String(Math.round(s.sizeBytes / MiB)),
    SourceDiskId: s.diskId,
    SourceDiskType: s.diskType,
    SourceDiskCategory: s.diskCategory,
    EnsRegionId: s.regionId,
    SourceEnsRegionId: s.sourceRegionId,
    SourceSnapshotId: s.sourceSnapshotId,
  };
}
