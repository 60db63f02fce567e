/** The caster itself: it must accept what the SDK models declare and fail on every departure from them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as $dara from '@darabonba/typescript';
import { ContractMismatch, mismatches, typed } from './typed.js';
import { disks, snapshots, type FieldType } from './models/index.js';

const DISK = {
  DiskId: 'd-1', DiskName: 'n', Description: '', Category: 'cloud_ssd', Size: 1024, Status: 'Available', Type: '2',
  DiskChargeType: 'postpay', EnsRegionId: 'cn-shenzhen-3', InstanceId: '', InstanceName: '', SnapshotId: '',
  CreationTime: '2026-11-28T15:36:39Z', Portable: true, DeleteWithInstance: false, Encrypted: false,
  EncryptedKeyId: '', SerialId: '1', Tags: { Tags: [{ Key: 'k', Value: 'v' }] },
};
const describeDisks = (disk: Record<string, unknown>): Record<string, unknown> => ({
  RequestId: 'r', Code: 0, PageNumber: 1, PageSize: 10, TotalCount: 1, Disks: { Disks: [disk] },
});

/** A test-only model with a map field, as some SDK models declare them. */
class WithMap extends $dara.Model {
  labels?: Record<string, string>;
  static names(): Record<string, string> {
    return { labels: 'Labels' };
  }
  static types(): Record<string, FieldType> {
    return { labels: { type: 'map', keyType: 'string', valueType: 'string' } };
  }
}

describe('typed (the contract caster)', () => {
  it('casts a conforming body into the model, nested models included', () => {
    const m = typed(disks.DescribeDisksResponseBody, describeDisks(DISK));
    assert.ok(m instanceof disks.DescribeDisksResponseBody);
    const d = m.disks?.disks?.[0];
    assert.ok(d instanceof disks.DescribeDisksResponseBodyDisksDisks);
    assert.equal(d.size, 1024);
    assert.equal(d.portable, true);
    assert.ok(d.tags instanceof disks.DescribeDisksResponseBodyDisksDisksTags);
    assert.equal(d.tags.tags?.[0]?.value, 'v');
    assert.deepEqual(typed(snapshots.CreateSnapshotResponseBody, { RequestId: 'r', SnapShotId: ['sp-1'] }).snapShotId,
      ['sp-1']);
  });

  it('fails on a string where a number is declared (which $dara.cast alone would coerce)', () => {
    const body = describeDisks({ ...DISK, Size: '1024' });
    assert.throws(() => typed(disks.DescribeDisksResponseBody, body),
      (e: unknown) => e instanceof ContractMismatch &&
        e.problems.join() === 'DescribeDisksResponseBody.Disks.Disks[0].Size: expected number, got string ("1024")');
    const lenient = $dara.cast(body, new disks.DescribeDisksResponseBody({}));
    assert.equal(lenient.disks?.disks?.[0]?.size, 1024, 'the real cast coerces: that is why typed checks first');
  });

  it('fails on a number where a string is declared, and on booleans sent as strings', () => {
    assert.deepEqual(mismatches(disks.ResizeDiskResponseBody, { RequestId: 'r', OrderId: 215222026 }),
      ['ResizeDiskResponseBody.OrderId: expected string, got number (215222026)']);
    assert.deepEqual(mismatches(disks.DescribeDisksResponseBody, describeDisks({ ...DISK, Portable: 'true' })),
      ['DescribeDisksResponseBody.Disks.Disks[0].Portable: expected boolean, got string ("true")']);
  });

  it('fails on a string where an array is declared, as the real $dara.cast does', () => {
    const body = { RequestId: 'r', SnapShotId: 'sp-1' };
    assert.throws(() => typed(snapshots.CreateSnapshotResponseBody, body), ContractMismatch);
    assert.throws(() => $dara.cast(body, new snapshots.CreateSnapshotResponseBody({})),
      /type of snapShotId is mismatch, expect array, but string/);
  });

  it('checks array items, nested objects and nulls', () => {
    assert.deepEqual(mismatches(disks.CreateDiskResponseBody, { RequestId: 'r', InstanceIds: ['d-1', 2] }),
      ['CreateDiskResponseBody.InstanceIds[1]: expected string, got number (2)']);
    assert.deepEqual(mismatches(disks.DescribeDisksResponseBody, { RequestId: 'r', Disks: [] }),
      ['DescribeDisksResponseBody.Disks: expected an object (DescribeDisksResponseBodyDisks), got an array ([])']);
    assert.deepEqual(mismatches(snapshots.DescribeSnapshotsResponseBody, { RequestId: null }),
      ['DescribeSnapshotsResponseBody.RequestId: null where string is declared']);
    assert.deepEqual(mismatches(snapshots.DescribeSnapshotsResponseBody, { RequestId: 'r', Snapshots: { Snapshot: [] } }),
      ['DescribeSnapshotsResponseBody.Snapshots: expected an array of DescribeSnapshotsResponseBodySnapshots, ' +
        'got object ({"Snapshot":[]})']);
  });

  it('reports unknown fields, at the top and inside nested models', () => {
    const problems = mismatches(disks.DescribeDisksResponseBody,
      { ...describeDisks({ ...DISK, Progress: '100%' }), Snapshots: [] });
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^DescribeDisksResponseBody\.Disks\.Disks\[0\]\.Progress: not a field of DescribeDisksResponseBodyDisksDisks/);
    assert.match(problems[1]!, /^DescribeDisksResponseBody\.Snapshots: not a field of DescribeDisksResponseBody/);
  });

  it('checks maps value by value', () => {
    assert.deepEqual(mismatches(WithMap, { Labels: { a: 'x', b: 1 } }), ['WithMap.Labels.b: expected string, got number (1)']);
    assert.equal(typed(WithMap, { Labels: { a: 'x' } }).labels?.a, 'x');
  });

  it('accepts null-prototype objects (pop-core parses with json-bigint)', () => {
    const body = Object.assign(Object.create(null) as Record<string, unknown>, describeDisks(DISK));
    body.Disks = Object.assign(Object.create(null) as Record<string, unknown>, { Disks: [DISK] });
    assert.equal(typed(disks.DescribeDisksResponseBody, body).disks?.disks?.[0]?.diskId, 'd-1');
  });
});
