/** Every action's RAM resources: what each names, and that reading them never throws on malformed input. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTIONS } from './index.js';
import { Params } from './params.js';

const resources = (action: string, raw: Record<string, string>) => ACTIONS.get(action)!.resources?.(new Params(raw)) ?? [];

describe('action resources (RAM)', () => {
  it('names the disk, snapshot and instance ids an action acts on', () => {
    assert.deepEqual(resources('CreateSnapshot', { DiskId: 'd-1', EnsRegionId: 'r' }), [{ type: 'disk', id: 'd-1' }]);
    assert.deepEqual(resources('ResetDisk', { DiskId: 'd-1', SnapshotId: 's-1' }),
      [{ type: 'disk', id: 'd-1' }, { type: 'snapshot', id: 's-1' }]);
    assert.deepEqual(resources('AttachDisk', { DiskId: 'd-1', InstanceId: 'i-1' }),
      [{ type: 'disk', id: 'd-1' }, { type: 'instance', id: 'i-1' }]);
    assert.deepEqual(resources('CopySnapshot', { SnapshotId: 's-1' }), [{ type: 'snapshot', id: 's-1' }]);
    assert.deepEqual(resources('TagResources', { ResourceType: 'disk', 'ResourceId.1': 'd-1', 'ResourceId.2': 'd-2' }),
      [{ type: 'disk', id: 'd-1' }, { type: 'disk', id: 'd-2' }]);
    assert.deepEqual(resources('CreateDisk', { EnsRegionId: 'cn-x', SnapshotId: 's-1' }),
      [{ type: 'disk', id: '*', regionId: 'cn-x' }, { type: 'snapshot', id: 's-1' }]);
  });

  it('declares none for the Describe and List actions (asked for with `*`)', () => {
    for (const name of ['DescribeDisks', 'DescribeSnapshots', 'DescribeEnsRegions', 'ListTagResources']) {
      assert.deepEqual(resources(name, { DiskId: 'd-1' }), [], name);
    }
  });

  it('never throws on malformed parameters: the action answers them', () => {
    const hostile = { DiskId: 'd-\u0001', SnapshotId: '', InstanceId: 'i-1', 'ResourceId.0': 'x', 'ResourceId.1.x': 'y' };
    for (const [name, action] of ACTIONS) {
      assert.doesNotThrow(() => action.resources?.(new Params(hostile)), name);
    }
    assert.deepEqual(resources('AttachDisk', hostile), [{ type: 'instance', id: 'i-1' }]);
    assert.deepEqual(resources('UntagResources', hostile), []);
  });
});
