/**
 * CopySnapshot end to end: a snapshot of a disk written over NBD is copied to
 * other nodes; each copy settles `available`, records where it came from, and a
 * disk created from it in its own node holds exactly the source's bytes — also
 * after the source is deleted. The rules answer exact codes and change nothing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, type Body, type Call } from '../support/clients.js';
import { exportToFile, nbdUri, qemuIo, sha256File } from '../support/nbd-tools.js';
import { eventually, startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { failure, invalid, missing, snapNotFound } from '../support/failures.js';

const SOURCE = 'cn-hangzhou-telecom';
const DEST_1 = 'cn-beijing-15';
const DEST_2 = 'ch-zurich-1';

interface Allocation { EnsRegionId: string; InstanceId: string[] }

describe('CopySnapshot', { timeout: 240_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let diskId = '';
  let sourceId = '';
  let sourceHash = '';
  const uri = (id: string): string => nbdUri(server.nbd.host, server.nbd.port, id);
  const snapshot = async (id: string): Promise<Body | undefined> =>
    ((await call('DescribeSnapshots', { SnapshotId: id })).Snapshots as Body[])[0];
  const settled = (id: string, status: string): Promise<Body> =>
    eventually(async () => {
      const s = await snapshot(id);
      return s?.Status === status ? s : undefined;
    }, `${id} ${status}`);
  const diskAvailable = (id: string): Promise<Body> =>
    eventually(async () => {
      const d = ((await call('DescribeDisks', { DiskId: id })).Disks as { Disks: Body[] }).Disks[0];
      return d?.Status === 'Available' ? d : undefined;
    }, `${id} Available`);
  const hashOf = async (id: string, name: string): Promise<string> => {
    const file = join(dir.path, `${name}.raw`);
    await exportToFile(uri(id), file);
    return sha256File(file);
  };

  before(async () => {
    dir = await tempDir('edgesnap-copy-');
    server = await startTestServer(dir.path);
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    const created = await call('CreateDisk', { EnsRegionId: SOURCE, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' });
    diskId = (created.InstanceIds as string[])[0]!;
    await diskAvailable(diskId);
    // Distinct chunks, a repeated chunk and untouched (zero) space.
    await qemuIo(uri(diskId), 'write -P 0x11 0 3M', 'write -P 0x22 100M 1M', 'write -P 0x11 500M 1M');
    sourceHash = await hashOf(diskId, 'source');
    sourceId = ((await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: SOURCE })).SnapShotId as string[])[0]!;
    await settled(sourceId, 'available');
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('refuses bad input with exact codes and creates nothing', async () => {
    const before = (await call('DescribeSnapshots', {})).TotalCount;
    const cases: [Record<string, string>, ReturnType<typeof invalid>][] = [
      [{ DestinationRegionIds: JSON.stringify([DEST_1]) }, missing('SnapshotId')],
      [{ SnapshotId: sourceId }, missing('DestinationRegionIds')],
      [{ SnapshotId: sourceId, DestinationRegionIds: '[]' }, invalid('DestinationRegionIds')],
      [{ SnapshotId: sourceId, DestinationRegionIds: '["mars-1"]' }, invalid('DestinationRegionIds')],
      [{ SnapshotId: sourceId, DestinationRegionIds: `["${DEST_1}", 7]` }, invalid('DestinationRegionIds')],
      [{ SnapshotId: sourceId, DestinationRegionIds: `["${DEST_1}"` }, invalid('DestinationRegionIds')],
      [{ SnapshotId: sourceId, DestinationRegionIds: JSON.stringify(Array(21).fill(DEST_1)) },
        invalid('DestinationRegionIds')],
      // The source's own node cannot take a copy; with no other destination nothing happens.
      [{ SnapshotId: sourceId, DestinationRegionIds: JSON.stringify([SOURCE]) }, invalid('DestinationRegionIds')],
      [{ SnapshotId: sourceId, DestinationRegionIds: JSON.stringify([DEST_1]), DestinationSnapshotName: 'x' },
        invalid('DestinationSnapshotName')],
      [{ SnapshotId: sourceId, DestinationRegionIds: JSON.stringify([DEST_1]), DestinationSnapshotName: 'http://a' },
        invalid('DestinationSnapshotName')],
      [{ SnapshotId: sourceId, DestinationRegionIds: JSON.stringify([DEST_1]), DestinationSnapshotDescription: 'y'.repeat(257) },
        invalid('DestinationSnapshotDescription')],
      [{ SnapshotId: 's-nothere', DestinationRegionIds: JSON.stringify([DEST_1]) }, snapNotFound('s-nothere')],
    ];
    for (const [params, expected] of cases) {
      assert.deepEqual(await failure(call('CopySnapshot', params)), expected, JSON.stringify(params));
    }
    assert.equal((await call('DescribeSnapshots', {})).TotalCount, before);
  });

  it('copies to each other node (PartSuccess names the source node), and each copy restores bit for bit',
    async () => {
      const res = await call('CopySnapshot', {
        SnapshotId: sourceId, DestinationRegionIds: JSON.stringify([DEST_1, SOURCE, DEST_2, DEST_1]),
        DestinationSnapshotName: 'copied', DestinationSnapshotDescription: 'a copy for the edge',
      });
      assert.equal(res.BizStatusCode, 'PartSuccess');
      assert.deepEqual(res.UnAllocationId, [{ EnsRegionId: SOURCE }]);
      const allocations = res.AllocationId as Allocation[];
      assert.deepEqual(allocations.map((a) => a.EnsRegionId), [DEST_1, DEST_2]);
      for (const { EnsRegionId: region, InstanceId: [copyId] } of allocations) {
        assert.match(copyId!, /^s-/);
        const copy = await settled(copyId!, 'available');
        assert.equal(copy.EnsRegionId, region);
        assert.equal(copy.SourceSnapshotId, sourceId);
        assert.equal(copy.SourceEnsRegionId, SOURCE);
        assert.equal(copy.SourceDiskId, diskId);
        assert.equal(copy.SnapshotName, 'copied');
        assert.equal(copy.Description, 'a copy for the edge');
        assert.equal(copy.Size, '1024');
        // Found by its node, and not in the source's node.
        const inRegion = (await call('DescribeSnapshots', { EnsRegionId: region, SnapshotId: copyId! })).Snapshots as Body[];
        assert.equal(inRegion.length, 1);
        const inSource = (await call('DescribeSnapshots', { EnsRegionId: SOURCE, SnapshotId: copyId! })).Snapshots as Body[];
        assert.equal(inSource.length, 0);
        // A disk from the copy lives in the copy's node only.
        const wrongNode = call('CreateDisk', {
          EnsRegionId: SOURCE, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', SnapshotId: copyId!,
        });
        assert.deepEqual(await failure(wrongNode), snapNotFound(copyId!));
        const restored = ((await call('CreateDisk', {
          EnsRegionId: region, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', SnapshotId: copyId!,
        })).InstanceIds as string[])[0]!;
        await diskAvailable(restored);
        assert.equal(await hashOf(restored, restored), sourceHash);
      }
    });

  it('answers AllSuccess through pop-core; a copy outlives its deleted source', async () => {
    const pop = popClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS, 'POST');
    const res = await pop('CopySnapshot', { SnapshotId: sourceId, DestinationRegionIds: JSON.stringify([DEST_2]) });
    assert.equal(res.BizStatusCode, 'AllSuccess');
    assert.deepEqual(res.UnAllocationId, []);
    const copyId = (res.AllocationId as Allocation[])[0]!.InstanceId[0]!;
    const copy = await settled(copyId, 'available');
    assert.equal(copy.SnapshotName, undefined); // no name given: none answered, as for CreateSnapshot
    await call('DeleteSnapshot', { SnapshotId: sourceId });
    await eventually(async () => ((await snapshot(sourceId)) === undefined ? true : undefined), 'source gone');
    const restored = ((await call('CreateDisk', {
      EnsRegionId: DEST_2, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', SnapshotId: copyId,
    })).InstanceIds as string[])[0]!;
    await diskAvailable(restored);
    assert.equal(await hashOf(restored, 'after-delete'), sourceHash);
    assert.deepEqual(await failure(call('CopySnapshot', { SnapshotId: sourceId, DestinationRegionIds: `["${DEST_1}"]` })),
      snapNotFound(sourceId));
  });
});

describe('CopySnapshot states', { timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;

  before(async () => {
    dir = await tempDir('edgesnap-copy-states-');
    server = await startTestServer(dir.path, { startJobs: false });
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('copies only available snapshots, and the source cannot be deleted while a copy is creating', async () => {
    const diskId = ((await call('CreateDisk', {
      EnsRegionId: SOURCE, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid',
    })).InstanceIds as string[])[0]!;
    await server.jobs.drain();
    const sourceId = ((await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: SOURCE })).SnapShotId as string[])[0]!;
    const copyOf = (id: string): Promise<Body> => call('CopySnapshot', { SnapshotId: id, DestinationRegionIds: `["${DEST_1}"]` });
    assert.deepEqual(await failure(copyOf(sourceId)), {
      status: 400, code: 'DISK_SNAPSHOT_STATUS_NOT_MATCH',
      message: `The current status of the snapshot ${sourceId} does not support this operation.`,
    });
    await server.jobs.drain();
    const copyId = ((await copyOf(sourceId)).AllocationId as Allocation[])[0]!.InstanceId[0]!;
    const listed = (await call('DescribeSnapshots', { SnapshotId: copyId })).Snapshots as Body[];
    assert.equal(listed[0]?.Status, 'creating');
    // A copy being made is not a snapshot of the disk being taken: the disk can be snapshotted meanwhile.
    await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: SOURCE });
    assert.deepEqual(await failure(call('DeleteSnapshot', { SnapshotId: sourceId })), {
      status: 400, code: 'ERROR_SNAPSHOT_COPY_IN_PROGRESS',
      message: `The snapshot ${sourceId} is being copied to another node.`,
    });
    assert.deepEqual(await failure(copyOf(copyId)), {
      status: 400, code: 'DISK_SNAPSHOT_STATUS_NOT_MATCH',
      message: `The current status of the snapshot ${copyId} does not support this operation.`,
    });
    await server.jobs.drain();
    assert.equal(((await call('DescribeSnapshots', { SnapshotId: copyId })).Snapshots as Body[])[0]?.Status, 'available');
    await call('DeleteSnapshot', { SnapshotId: sourceId });
    // A copy of a copy, back to the first node.
    const back = await call('CopySnapshot', { SnapshotId: copyId, DestinationRegionIds: `["${SOURCE}"]` });
    assert.equal(back.BizStatusCode, 'AllSuccess');
    await server.jobs.drain();
    const backId = (back.AllocationId as Allocation[])[0]!.InstanceId[0]!;
    const again = ((await call('DescribeSnapshots', { SnapshotId: backId })).Snapshots as Body[])[0]!;
    assert.equal(again.Status, 'available');
    assert.equal(again.SourceSnapshotId, copyId);
    assert.equal(again.SourceEnsRegionId, DEST_1);
  });
});
