/**
 * Bad input, through the official client: every parameter of every action,
 * missing, empty, too long, of the wrong type or pointing at nothing, answers a
 * documented 4xx code with the exact message, and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, type Body, type Call } from '../support/clients.js';
import { eventually, startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';

const REGION = 'cn-hangzhou-telecom';
const long = (n: number): string => 'a'.repeat(n);

interface Case { action: string; params: Record<string, string>; status: number; code: string; message: string }

const missing = (action: string, params: Record<string, string>, name: string): Case => ({
  action, params, status: 400, code: `Missing${name}`, message: `${name} is mandatory for this action.`,
});
const invalid = (action: string, params: Record<string, string>, name: string): Case => ({
  action, params, status: 400, code: `InvalidParameter.${name}`,
  message: `The specified field ${name} invalid. Please check it again.`,
});

function cases(diskId: string, snapshotId: string): Case[] {
  const snap = { DiskId: diskId, EnsRegionId: REGION };
  const disk = { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' };
  return [
    missing('CreateSnapshot', { EnsRegionId: REGION }, 'DiskId'),
    missing('CreateSnapshot', { DiskId: '', EnsRegionId: REGION }, 'DiskId'),
    missing('CreateSnapshot', { DiskId: diskId }, 'EnsRegionId'),
    invalid('CreateSnapshot', { ...snap, DiskId: long(65) }, 'DiskId'),
    invalid('CreateSnapshot', { ...snap, DiskId: 'd-<script>' }, 'DiskId'),
    invalid('CreateSnapshot', { ...snap, EnsRegionId: 'mars-1' }, 'EnsRegionId'),
    invalid('CreateSnapshot', { ...snap, SnapshotName: 'a' }, 'SnapshotName'),
    invalid('CreateSnapshot', { ...snap, SnapshotName: long(129) }, 'SnapshotName'),
    invalid('CreateSnapshot', { ...snap, SnapshotName: '1abc' }, 'SnapshotName'),
    invalid('CreateSnapshot', { ...snap, SnapshotName: 'http://x' }, 'SnapshotName'),
    invalid('CreateSnapshot', { ...snap, SnapshotName: 'bad name!' }, 'SnapshotName'),
    invalid('CreateSnapshot', { ...snap, Description: 'x' }, 'Description'),
    invalid('CreateSnapshot', { ...snap, Description: long(257) }, 'Description'),
    invalid('CreateSnapshot', { ...snap, Description: 'https://example.com' }, 'Description'),
    { action: 'CreateSnapshot', params: { ...snap, DiskId: 'd-doesnotexist' }, status: 404, code: 'InvalidDiskId.NotFound',
      message: 'The specified disk d-doesnotexist does not exist.' },
    { action: 'CreateSnapshot', params: { ...snap, EnsRegionId: 'cn-shenzhen-3' }, status: 404,
      code: 'InvalidDiskId.NotFound', message: `The specified disk ${diskId} does not exist.` },
    missing('CreateDisk', { ...disk, Category: '' }, 'Category'),
    invalid('CreateDisk', { ...disk, Category: 'local_ssd' }, 'Category'),
    missing('CreateDisk', { Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' }, 'EnsRegionId'),
    missing('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1' }, 'InstanceChargeType'),
    invalid('CreateDisk', { ...disk, InstanceChargeType: 'PrePaid' }, 'InstanceChargeType'),
    missing('CreateDisk', { ...disk, Size: '' }, 'Size'),
    invalid('CreateDisk', { ...disk, Size: 'ten' }, 'Size'),
    invalid('CreateDisk', { ...disk, Size: '-5' }, 'Size'),
    invalid('CreateDisk', { ...disk, Size: '1.5' }, 'Size'),
    invalid('CreateDisk', { ...disk, Size: '99999999' }, 'Size'),
    invalid('CreateDisk', { ...disk, Size: '40000' }, 'Size'),
    invalid('CreateDisk', { ...disk, EnsRegionId: 'nowhere' }, 'EnsRegionId'),
    invalid('CreateDisk', { ...disk, DiskName: '9lives' }, 'DiskName'),
    invalid('CreateDisk', { ...disk, Encrypted: 'true' }, 'Encrypted'),
    { action: 'CreateDisk', params: { ...disk, SnapshotId: 's-nothere' }, status: 404, code: 'ERROR_SNAPSHOT_NOT_FOUND',
      message: 'The specified snapshot s-nothere does not exist.' },
    { action: 'CreateDisk', params: { ...disk, EnsRegionId: 'cn-shenzhen-3', SnapshotId: snapshotId }, status: 404,
      code: 'ERROR_SNAPSHOT_NOT_FOUND', message: `The specified snapshot ${snapshotId} does not exist.` },
    invalid('DescribeDisks', { PageSize: '51' }, 'PageSize'),
    invalid('DescribeDisks', { PageSize: '0' }, 'PageSize'),
    invalid('DescribeDisks', { PageNumber: 'x' }, 'PageNumber'),
    invalid('DescribeDisks', { DiskIds: '["d-1",' }, 'DiskIds'),
    invalid('DescribeDisks', { DiskIds: '[1,2]' }, 'DiskIds'),
    invalid('DescribeDisks', { Type: 'boot' }, 'Type'),
    invalid('DescribeDisks', { OrderByParams: '[]' }, 'OrderByParams'),
    invalid('DescribeSnapshots', { SnapshotId: JSON.stringify(Array.from({ length: 101 }, (_, i) => `s-${i}`)) }, 'SnapshotId'),
    invalid('DescribeSnapshots', { PageSize: '101' }, 'PageSize'),
    invalid('DescribeSnapshots', { EnsRegionIds: '{"a":1}' }, 'EnsRegionIds'),
    missing('DeleteSnapshot', {}, 'SnapshotId'),
    { action: 'DeleteSnapshot', params: { SnapshotId: 's-nothere' }, status: 404, code: 'ERROR_SNAPSHOT_NOT_FOUND',
      message: 'The specified snapshot s-nothere does not exist.' },
    missing('DeleteDisk', {}, 'DiskId'),
    { action: 'DeleteDisk', params: { DiskId: 'd-nothere' }, status: 404, code: 'InvalidDiskId.NotFound',
      message: 'The specified disk d-nothere does not exist.' },
    invalid('DescribeEnsRegions', { EnsRegionId: long(65) }, 'EnsRegionId'),
    { action: 'NoSuchAction', params: {}, status: 404, code: 'InvalidAction.NotFound',
      message: 'Specified api is not found, please check your url and method.' },
  ];
}

describe('bad input answers documented codes and changes nothing', { timeout: 300_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let diskId = '';
  let snapshotId = '';

  const inventory = async (): Promise<string> => {
    const disks = await call('DescribeDisks', { PageSize: '50' });
    const snaps = await call('DescribeSnapshots', { PageSize: '100' });
    const orders = await server.services.snapshots.describe({ accountId: server.accountId, offset: 0, limit: 1000 });
    return JSON.stringify([disks.Disks, snaps.Snapshots, orders.items.map((s) => s.orderId)]);
  };

  before(async () => {
    dir = await tempDir('edgesnap-bad-');
    server = await startTestServer(dir.path);
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    const created = await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' });
    diskId = (created.InstanceIds as string[])[0]!;
    await eventually(async () => {
      const d = ((await call('DescribeDisks', { DiskId: diskId })).Disks as { Disks: Body[] }).Disks[0];
      return d?.Status === 'Available' ? d : undefined;
    }, 'disk available');
    const snap = await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION });
    snapshotId = (snap.SnapShotId as string[])[0]!;
    await eventually(async () => {
      const s = ((await call('DescribeSnapshots', { SnapshotId: snapshotId })).Snapshots as Body[])[0];
      return s?.Status === 'available' ? s : undefined;
    }, 'snapshot available');
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('each case answers its code, status and message exactly', async () => {
    const before = await inventory();
    for (const c of cases(diskId, snapshotId)) {
      const err = await call(c.action, c.params).then(
        () => assert.fail(`${c.action} ${JSON.stringify(c.params)} succeeded`),
        (e: { code: string; statusCode: number; data: { Message: string } }) => e,
      );
      assert.deepEqual({ status: err.statusCode, code: err.code, message: err.data.Message },
        { status: c.status, code: c.code, message: c.message }, `${c.action} ${JSON.stringify(c.params).slice(0, 120)}`);
    }
    assert.equal(await inventory(), before, 'nothing was created, changed or deleted');
  });
});
