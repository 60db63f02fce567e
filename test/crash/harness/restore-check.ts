/** "Restores bit for bit": CreateDisk from the snapshot, then read the restored disk over NBD and compare. */
import assert from 'node:assert/strict';
import { REGION } from './api.js';
import { difference, MiB, readImage } from './image.js';
import type { CrashRig } from './rig.js';

/**
 * Restores `snapshotId` into a new disk and checks its first `expected.length` bytes equal `expected` and the MiB
 * after them is zero (nothing beyond what was written). Answers the restored disk's id.
 */
export async function assertRestores(rig: CrashRig, snapshotId: string, expected: Buffer, region = REGION): Promise<string> {
  const diskId = await rig.api.createDisk(region, snapshotId);
  assert.equal(await rig.api.settledDisk(diskId), 'Available', `disk restored from ${snapshotId} is Available`);
  await assertDiskHolds(rig, diskId, expected, `disk ${diskId} restored from ${snapshotId}`);
  return diskId;
}

export async function assertDiskHolds(rig: CrashRig, diskId: string, expected: Buffer, what: string): Promise<void> {
  const actual = await readImage(rig.nbdPort, diskId, expected.length + MiB);
  const diff = difference(actual, Buffer.concat([expected, Buffer.alloc(MiB)]));
  assert.equal(diff, undefined, `${what}: ${diff}`);
}
