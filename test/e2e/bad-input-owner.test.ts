/**
 * Wrong owner: a second account (made with Accounts.createAccount) owns a disk, a snapshot and an
 * instance. Every action given one of them by the root account answers exactly what it answers for
 * an id that does not exist (same status, code, and message naming that id), changes nothing, and
 * no listing of either account shows the other's resources. A deleted disk or snapshot of the
 * root's own answers the same way.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { diskNotFound, failure, snapNotFound, type Failure } from '../support/failures.js';
import {
  bad, badInputSuite, DISK, fill, GONE_DISK, GONE_SNAP, INST, instanceNotFound, OTHER_DISK, OTHER_INST, OTHER_REGION, OTHER_SNAP, REGION, SNAP,
  type Case, type World,
} from '../support/bad-input.js';
import type { Body, Call } from '../support/clients.js';

/** Ids of the same shape as the other account's and the deleted ones, that exist nowhere. */
const GHOSTS: Record<string, string> = {
  [OTHER_DISK]: 'd-zzzzzzzzzzzzzzzzzzzzzzzz', [OTHER_SNAP]: 's-zzzzzzzzzzzzzzzzzzzzzzzz', [OTHER_INST]: 'i-zzzzzzzzzzzzzzzzzzzzzzzz',
  [GONE_DISK]: 'd-yyyyyyyyyyyyyyyyyyyyyyyy', [GONE_SNAP]: 's-yyyyyyyyyyyyyyyyyyyyyyyy',
};
const create = { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' };

const cases: Case[] = [
  bad('CreateSnapshot', { DiskId: OTHER_DISK, EnsRegionId: REGION }, diskNotFound(OTHER_DISK)),
  bad('DeleteSnapshot', { SnapshotId: OTHER_SNAP }, snapNotFound(OTHER_SNAP)),
  bad('ModifySnapshotAttribute', { SnapshotId: OTHER_SNAP, SnapshotName: 'stolen' }, snapNotFound(OTHER_SNAP)),
  bad('CopySnapshot', { SnapshotId: OTHER_SNAP, DestinationRegionIds: `["${OTHER_REGION}"]` }, snapNotFound(OTHER_SNAP)),
  bad('CreateDisk', { ...create, SnapshotId: OTHER_SNAP }, snapNotFound(OTHER_SNAP)),
  bad('DeleteDisk', { DiskId: OTHER_DISK }, diskNotFound(OTHER_DISK)),
  bad('ModifyDiskAttribute', { DiskId: OTHER_DISK, DiskName: 'stolen' }, diskNotFound(OTHER_DISK)),
  bad('ResizeDisk', { DiskId: OTHER_DISK, NewSize: '2' }, diskNotFound(OTHER_DISK)),
  bad('ResetDisk', { DiskId: OTHER_DISK, SnapshotId: OTHER_SNAP }, diskNotFound(OTHER_DISK)),
  bad('ResetDisk', { DiskId: DISK, SnapshotId: OTHER_SNAP }, snapNotFound(OTHER_SNAP)),
  bad('AttachDisk', { DiskId: OTHER_DISK, InstanceId: INST }, diskNotFound(OTHER_DISK)),
  bad('AttachDisk', { DiskId: DISK, InstanceId: OTHER_INST }, instanceNotFound(OTHER_INST)),
  bad('DetachDisk', { DiskId: OTHER_DISK, InstanceId: OTHER_INST }, diskNotFound(OTHER_DISK)),
  bad('DetachDisk', { DiskId: DISK, InstanceId: OTHER_INST }, instanceNotFound(OTHER_INST)),
  bad('TagResources', { ResourceType: 'disk', 'ResourceId.1': OTHER_DISK, 'Tag.1.Key': 'k', 'Tag.1.Value': 'v' },
    diskNotFound(OTHER_DISK)),
  bad('TagResources', { ResourceType: 'disk', 'ResourceId.1': DISK, 'ResourceId.2': OTHER_DISK, 'Tag.1.Key': 'k' },
    diskNotFound(OTHER_DISK)),
  bad('UntagResources', { ResourceType: 'disk', 'ResourceId.1': OTHER_DISK, All: 'true' }, diskNotFound(OTHER_DISK)),
  bad('UntagResources', { ResourceType: 'disk', 'ResourceId.1': DISK, 'ResourceId.2': OTHER_DISK, 'TagKey.1': 'owner' },
    diskNotFound(OTHER_DISK)),
];

/** The same requests naming a deleted disk or snapshot of the caller's own. */
const gone: Case[] = cases.filter((c) => !Object.values(c.params).includes(OTHER_INST)).map((c) => {
  const swap = (v: string): string => (v === OTHER_DISK ? GONE_DISK : v === OTHER_SNAP ? GONE_SNAP : v);
  const params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, swap(v)]));
  return { ...c, params, expected: { ...c.expected, message: c.expected.message.replace(/<other(Disk|Snap)>/, '<gone$1>') } };
});

/** The answer to `c` with the other account's ids, and with ids that exist nowhere put back in their place. */
async function bothAnswers(w: World, c: Case): Promise<{ other: Failure; ghost: Failure }> {
  const params = (ghost: boolean): Record<string, string> => Object.fromEntries(Object.entries(c.params).map(([k, v]) =>
    [k, fill(w, ghost && GHOSTS[v] ? GHOSTS[v] : v)]));
  const other = await failure(w.call(c.action, params(false)));
  let ghost = await failure(w.call(c.action, params(true)));
  for (const [placeholder, id] of Object.entries(GHOSTS)) ghost = { ...ghost, message: ghost.message.replace(id, fill(w, placeholder)) };
  return { other, ghost };
}

const ids = (items: unknown, field: string): string[] => (items as Body[]).map((i) => String(i[field]));

/** Everything `call` can list, and what the filters naming `foreign` resources find (must be nothing). */
async function listings(call: Call, foreign: { disk: string; snap: string; inst: string }): Promise<Record<string, string[]>> {
  const disks = async (q: Record<string, string>): Promise<string[]> =>
    ids(((await call('DescribeDisks', { PageSize: '50', ...q })).Disks as { Disks: Body[] }).Disks, 'DiskId');
  const snaps = async (q: Record<string, string>): Promise<string[]> =>
    ids((await call('DescribeSnapshots', { PageSize: '100', ...q })).Snapshots, 'SnapshotId');
  const tags = async (q: Record<string, string>): Promise<string[]> =>
    ids((await call('ListTagResources', { ResourceType: 'disk', ...q })).TagResources, 'ResourceId');
  return {
    disks: await disks({}), snapshots: await snaps({}), tagged: await tags({}),
    byDiskId: await disks({ DiskId: foreign.disk }), byDiskIds: await disks({ DiskIds: JSON.stringify([foreign.disk]) }),
    bySourceSnapshot: await disks({ SnapshotId: foreign.snap }), byInstance: await disks({ InstanceId: foreign.inst }),
    bySnapshotId: await snaps({ SnapshotId: foreign.snap }), snapsByDisk: await snaps({ DiskId: foreign.disk }),
    tagsByResource: await tags({ 'ResourceId.1': foreign.disk }),
  };
}

badInputSuite("another account's resources answer as missing", [], (world) => {
  for (const c of [...cases, ...gone]) {
    it(`${c.action} ${JSON.stringify(c.params)} answers as for an id that does not exist`, async () => {
      const w = world();
      const { other, ghost } = await bothAnswers(w, c);
      assert.deepEqual(other, ghost, 'the same answer as for an id that does not exist');
      assert.deepEqual(other, { ...c.expected, message: fill(w, c.expected.message) });
    });
  }

  it("no listing shows the other account's disks, snapshots or tags", async () => {
    const w = world();
    const root = { disk: fill(w, DISK), snap: fill(w, SNAP), inst: fill(w, INST) };
    const other = { disk: fill(w, OTHER_DISK), snap: fill(w, OTHER_SNAP), inst: fill(w, OTHER_INST) };
    for (const [who, call, own, foreign] of [['root', w.call, root, other], ['other', w.other.call, other, root]] as const) {
      const seen = await listings(call, foreign);
      assert.ok(seen.disks!.includes(own.disk) && seen.snapshots!.includes(own.snap) && seen.tagged!.includes(own.disk),
        `${who} sees its own resources`);
      for (const [listing, found] of Object.entries(seen)) {
        assert.ok(!found.includes(foreign.disk) && !found.includes(foreign.snap), `${who}: ${listing} shows ${found.join()}`);
      }
      for (const filtered of ['byDiskId', 'byDiskIds', 'bySourceSnapshot', 'byInstance', 'bySnapshotId', 'snapsByDisk', 'tagsByResource']) {
        assert.deepEqual(seen[filtered], [], `${who}: ${filtered}`);
      }
    }
  });

  it("a tag filter matching the other account's tag finds nothing", async () => {
    const w = world();
    const rows = (await w.call('ListTagResources', { ResourceType: 'disk', 'Tag.1.Key': 'owner', 'Tag.1.Value': 'other' }))
      .TagResources;
    assert.deepEqual(rows, []);
    const mine = (await w.other.call('ListTagResources', { ResourceType: 'disk', 'Tag.1.Key': 'owner', 'Tag.1.Value': 'other' }))
      .TagResources as Body[];
    assert.deepEqual(mine.map((r) => r.ResourceId), [fill(w, OTHER_DISK)]);
  });
});
