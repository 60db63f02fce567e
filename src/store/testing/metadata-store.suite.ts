/**
 * The shared conformance suite: every MetadataStore implementation runs it
 * (`runMetadataStoreSuite('sqlite', factory)`). It checks behaviour, not SQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreConflictError, type MetadataStore, type TagFilter } from '../metadata-store.js';
import { sampleDisk, sampleInstance, sampleSnapshot, T0, type StoreFactory } from './samples.js';

import { runCommerceStoreSuite } from './commerce-store.suite.js';
import { runIdentityStoreSuite } from './identity-store.suite.js';
import { runOperatorStoreSuite } from './operator-store.suite.js';

export { sampleDisk, sampleInstance, sampleSnapshot, type StoreFactory } from './samples.js';

async function withStore(factory: StoreFactory, fn: (s: MetadataStore) => Promise<void>): Promise<void> {
  const { store, cleanup } = await factory();
  try {
    await store.migrate();
    await store.transaction(async (tx) => {
      await tx.insertAccount({ id: 'acc-1', name: 'root', createdAt: T0 });
      await tx.insertAccount({ id: 'acc-2', name: 'other', createdAt: T0 });
    });
    await fn(store);
  } finally {
    await store.close();
    await cleanup();
  }
}

export function runMetadataStoreSuite(name: string, factory: StoreFactory): void {
  describe(`MetadataStore conformance: ${name}`, () => {
    it('migrates idempotently', async () => {
      await withStore(factory, async (s) => {
        const again = await s.migrate();
        assert.ok(again >= 1);
      });
    });

    it('round-trips access keys and scopes disks by account', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          await tx.insertAccessKey({ id: 'AK1', accountId: 'acc-1', secret: 'x', status: 'Active', createdAt: T0 });
          await tx.setAccessKeyStatus('AK1', 'Inactive');
          await tx.insertDisk(sampleDisk('d-1'));
        });
        await s.transaction(async (tx) => {
          assert.equal((await tx.getAccessKey('AK1'))?.status, 'Inactive');
          assert.deepEqual((await tx.listAccessKeys('acc-1')).map((k) => k.id), ['AK1']);
          assert.deepEqual(await tx.listAccessKeys('acc-2'), []);
          assert.equal((await tx.getDisk('d-1', 'acc-1'))?.sizeBytes, 20 * 2 ** 30);
          assert.equal(await tx.getDisk('d-1', 'acc-2'), undefined);
          assert.equal((await tx.getDisk('d-1'))?.id, 'd-1');
        });
      });
    });

    it('rolls back a failed transaction completely', async () => {
      await withStore(factory, async (s) => {
        await assert.rejects(s.transaction(async (tx) => {
          await tx.insertDisk(sampleDisk('d-9'));
          throw new Error('boom');
        }), /boom/);
        assert.equal(await s.transaction((tx) => tx.getDisk('d-9')), undefined);
      });
    });

    it('filters and pages disks; deleted disks disappear', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          for (let i = 0; i < 5; i++) {
            await tx.insertDisk(sampleDisk(`d-${i}`, { createdAt: T0 + i, regionId: i % 2 ? 'r-odd' : 'r-even' }));
          }
          await tx.updateDisk('d-4', { deletedAt: T0 + 10, status: 'Deleted' });
        });
        const page = await s.transaction((tx) => tx.listDisks({ accountId: 'acc-1', offset: 1, limit: 2 }));
        assert.equal(page.total, 4);
        assert.deepEqual(page.items.map((d) => d.id), ['d-1', 'd-2']);
        const odd = await s.transaction((tx) =>
          tx.listDisks({ accountId: 'acc-1', regionIds: ['r-odd'], offset: 0, limit: 10 }));
        assert.deepEqual(odd.items.map((d) => d.id), ['d-1', 'd-3']);
        const none = await s.transaction((tx) => tx.listDisks({ accountId: 'acc-1', diskIds: [], offset: 0, limit: 10 }));
        assert.equal(none.total, 0);
        const other = await s.transaction((tx) => tx.listDisks({ accountId: 'acc-2', offset: 0, limit: 10 }));
        assert.equal(other.total, 0);
      });
    });

    it('round-trips, scopes, lists and updates instances; deleted ones disappear', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          await tx.insertInstance(sampleInstance('i-1', { name: 'web' }));
          await tx.insertInstance(sampleInstance('i-2', { createdAt: T0 + 1, regionId: 'r-2', status: 'Stopped' }));
          await tx.insertInstance(sampleInstance('i-3', { createdAt: T0 + 2, accountId: 'acc-2' }));
        });
        await s.transaction(async (tx) => {
          assert.deepEqual(await tx.getInstance('i-1', 'acc-1'), sampleInstance('i-1', { name: 'web' }));
          assert.equal(await tx.getInstance('i-1', 'acc-2'), undefined);
          assert.equal((await tx.getInstance('i-3'))?.accountId, 'acc-2');
          const ids = async (f: Parameters<typeof tx.listInstances>[0]) => (await tx.listInstances(f)).map((i) => i.id);
          assert.deepEqual(await ids({}), ['i-1', 'i-2', 'i-3']);
          assert.deepEqual(await ids({ accountId: 'acc-1' }), ['i-1', 'i-2']);
          assert.deepEqual(await ids({ accountId: 'acc-1', regionIds: ['r-2'] }), ['i-2']);
          assert.deepEqual(await ids({ instanceIds: ['i-3', 'i-9'] }), ['i-3']);
          assert.deepEqual(await ids({ instanceIds: [] }), []);
          await tx.updateInstance('i-1', { status: 'Stopped' });
          await tx.updateInstance('i-2', { deletedAt: T0 + 5 });
        });
        await s.transaction(async (tx) => {
          assert.equal((await tx.getInstance('i-1'))?.status, 'Stopped');
          assert.equal(await tx.getInstance('i-2'), undefined);
          assert.deepEqual((await tx.listInstances({ accountId: 'acc-1' })).map((i) => i.id), ['i-1']);
        });
      });
    });

    it('records the instance a disk is attached to and filters disks by it', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          await tx.insertDisk(sampleDisk('d-1', { instanceId: 'i-1', deleteWithInstance: true, status: 'In-use' }));
          await tx.insertDisk(sampleDisk('d-2', { createdAt: T0 + 1 }));
          await tx.insertDisk(sampleDisk('d-3', { createdAt: T0 + 2, instanceId: 'i-2', status: 'Attaching' }));
        });
        const byInstance = (instanceId: string) => s.transaction(async (tx) =>
          (await tx.listDisks({ accountId: 'acc-1', instanceId, offset: 0, limit: 10 })).items.map((d) => d.id));
        assert.deepEqual(await byInstance('i-1'), ['d-1']);
        assert.deepEqual(await byInstance('i-9'), []);
        const d1 = await s.transaction((tx) => tx.getDisk('d-1'));
        assert.equal(d1?.instanceId, 'i-1');
        assert.equal(d1?.deleteWithInstance, true);
        assert.equal((await s.transaction((tx) => tx.getDisk('d-2')))?.deleteWithInstance, false);
        await s.transaction(async (tx) => {
          await tx.updateDisk('d-1', { instanceId: '', deleteWithInstance: false, status: 'Available' });
          await tx.updateDisk('d-2', { instanceId: 'i-1', deleteWithInstance: true });
        });
        assert.deepEqual(await byInstance('i-1'), ['d-2']);
        assert.deepEqual(await s.transaction((tx) => tx.getDisk('d-1')), sampleDisk('d-1'));
        assert.equal((await s.transaction((tx) => tx.getDisk('d-2')))?.deleteWithInstance, true);
      });
    });

    it('allows at most one creating snapshot per disk', async () => {
      await withStore(factory, async (s) => {
        await s.transaction((tx) => tx.insertSnapshot(sampleSnapshot('s-1')));
        await assert.rejects(s.transaction((tx) => tx.insertSnapshot(sampleSnapshot('s-2'))), StoreConflictError);
        await s.transaction((tx) => tx.updateSnapshot('s-1', { status: 'available' }));
        await s.transaction((tx) => tx.insertSnapshot(sampleSnapshot('s-2')));
        assert.equal(await s.transaction((tx) => tx.countSnapshots({ diskId: 'd-1' })), 2);
        assert.equal(await s.transaction((tx) => tx.countSnapshots({ diskId: 'd-1', status: 'creating' })), 1);
      });
    });

    it('lists the snapshots of the disks attached to an instance', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          await tx.insertDisk(sampleDisk('d-1', { instanceId: 'i-1', status: 'In-use' }));
          await tx.insertDisk(sampleDisk('d-2'));
          await tx.insertDisk(sampleDisk('d-3', { accountId: 'acc-2', instanceId: 'i-1', status: 'In-use' }));
          await tx.insertSnapshot(sampleSnapshot('s-1', { status: 'available' }));
          await tx.insertSnapshot(sampleSnapshot('s-2', { diskId: 'd-2', status: 'available' }));
          await tx.insertSnapshot(sampleSnapshot('s-3', { diskId: 'd-3', accountId: 'acc-2', status: 'available' }));
          await tx.insertSnapshot(sampleSnapshot('s-c', {
            regionId: 'ch-zurich-1', sourceSnapshotId: 's-1', sourceRegionId: 'cn-hangzhou-telecom', status: 'available',
          }));
        });
        const ids = (accountId: string, instanceId: string) => s.transaction(async (tx) =>
          (await tx.listSnapshots({ accountId, instanceId, offset: 0, limit: 10 })).items.map((x) => x.id));
        assert.deepEqual(await ids('acc-1', 'i-1'), ['s-1']);
        assert.deepEqual(await ids('acc-2', 'i-1'), ['s-3']);
        assert.deepEqual(await ids('acc-1', 'i-9'), []);
      });
    });

    it('keeps copies apart from the snapshots of their source disk', async () => {
      await withStore(factory, async (s) => {
        await s.transaction((tx) => tx.insertSnapshot(sampleSnapshot('s-1', { status: 'available' })));
        await s.transaction((tx) => tx.insertSnapshot(sampleSnapshot('s-2')));
        // Two copies of s-1 being made at once, to two regions, while s-2 of the same disk is being created.
        for (const [id, regionId] of [['s-c1', 'cn-beijing-15'], ['s-c2', 'ch-zurich-1']] as const) {
          await s.transaction((tx) => tx.insertSnapshot(sampleSnapshot(id, {
            regionId, sourceSnapshotId: 's-1', sourceRegionId: 'cn-hangzhou-telecom',
          })));
        }
        const copy = await s.transaction((tx) => tx.getSnapshot('s-c2'));
        assert.equal(copy?.sourceSnapshotId, 's-1');
        assert.equal(copy?.sourceRegionId, 'cn-hangzhou-telecom');
        assert.equal(await s.transaction((tx) => tx.countSnapshots({ diskId: 'd-1', status: 'creating' })), 1);
        assert.equal(await s.transaction((tx) => tx.countCopies({ sourceSnapshotId: 's-1', status: 'creating' })), 2);
        await s.transaction((tx) => tx.updateSnapshot('s-c1', { status: 'available' }));
        assert.equal(await s.transaction((tx) => tx.countCopies({ sourceSnapshotId: 's-1', status: 'creating' })), 1);
        assert.equal(await s.transaction((tx) => tx.countCopies({ sourceSnapshotId: 's-1' })), 2);
      });
    });

    it('records one order per resource and action', async () => {
      await withStore(factory, async (s) => {
        const order = {
          id: '123', accountId: 'acc-1', action: 'CreateSnapshot', resourceType: 'snapshot' as const,
          resourceId: 's-1', regionId: 'r', chargeType: 'PostPaid' as const, createdAt: T0,
        };
        await s.transaction((tx) => tx.insertOrder(order));
        await assert.rejects(s.transaction((tx) => tx.insertOrder({ ...order, id: '124' })), StoreConflictError);
        assert.deepEqual(await s.transaction((tx) => tx.getOrder('123')), order);
        assert.equal((await s.transaction((tx) => tx.listOrders('acc-1'))).length, 1);
      });
    });

    it('leases jobs: one owner at a time, expiry, retry and failure', async () => {
      await withStore(factory, async (s) => {
        const job = { id: 'j-1', type: 't', payload: { a: 1 }, maxAttempts: 3, runAfter: T0 };
        await s.transaction((tx) => tx.enqueueJob(job, T0));
        const first = await s.transaction((tx) => tx.claimJob('w1', T0, 1000));
        assert.equal(first?.id, 'j-1');
        assert.deepEqual(first?.payload, { a: 1 });
        assert.equal(first?.attempts, 1);
        assert.equal(await s.transaction((tx) => tx.claimJob('w2', T0 + 500, 1000)), undefined);
        assert.equal(await s.transaction((tx) => tx.renewLease('j-1', 'w2', T0, 1000)), false);
        const stolen = await s.transaction((tx) => tx.claimJob('w2', T0 + 1000, 1000));
        assert.equal(stolen?.leaseOwner, 'w2');
        await s.transaction((tx) => tx.failJob('j-1', 'w2', 'oops', T0 + 5000, T0 + 1000));
        assert.equal(await s.transaction((tx) => tx.claimJob('w1', T0 + 4999, 1000)), undefined);
        const retried = await s.transaction((tx) => tx.claimJob('w1', T0 + 5000, 1000));
        assert.equal(retried?.attempts, 3);
        assert.equal(retried?.lastError, 'oops');
        await s.transaction((tx) => tx.completeJob('j-1', 'w1', T0 + 5001));
        assert.equal((await s.transaction((tx) => tx.getJob('j-1')))?.status, 'done');
      });
    });

    it('sets, overwrites, lists, pages and deletes tags', async () => {
      await withStore(factory, async (s) => {
        const tag = (resourceId: string, key: string, value: string, accountId = 'acc-1') =>
          ({ accountId, resourceType: 'disk', resourceId, key, value });
        await s.transaction((tx) => tx.putTags([tag('d-2', 'k2', 'v'), tag('d-1', 'k1', 'a'), tag('d-1', 'k0', '')]));
        await s.transaction((tx) => tx.putTags([tag('d-1', 'k1', 'b'), tag('d-9', 'k1', 'b', 'acc-2')]));
        const list = (f: Partial<TagFilter> = {}) => s.transaction(async (tx) =>
          (await tx.listTags({ accountId: 'acc-1', resourceType: 'disk', ...f })).map((t) => `${t.resourceId}/${t.key}=${t.value}`));
        assert.deepEqual(await list(), ['d-1/k0=', 'd-1/k1=b', 'd-2/k2=v'], 'overwritten; other account hidden');
        assert.deepEqual(await list({ resourceType: 'instance' }), []);
        assert.deepEqual(await list({ resourceIds: ['d-2', 'd-9'] }), ['d-2/k2=v']);
        assert.deepEqual(await list({ resourceIds: [] }), []);
        assert.deepEqual(await list({ tags: [{ key: 'k1' }, { key: 'k2', value: 'nope' }] }), ['d-1/k1=b']);
        assert.deepEqual(await list({ tags: [{ key: 'k2', value: 'v' }] }), ['d-2/k2=v']);
        assert.deepEqual(await list({ limit: 2 }), ['d-1/k0=', 'd-1/k1=b']);
        assert.deepEqual(await list({ after: { resourceId: 'd-1', key: 'k1' }, limit: 2 }), ['d-2/k2=v']);
        assert.equal(await s.transaction((tx) => tx.deleteTags('disk', 'd-1', [])), 0);
        assert.equal(await s.transaction((tx) => tx.deleteTags('disk', 'd-1', ['k1', 'zz'])), 1);
        assert.deepEqual(await list(), ['d-1/k0=', 'd-2/k2=v']);
        assert.equal(await s.transaction((tx) => tx.deleteTags('disk', 'd-1')), 1);
        assert.deepEqual(await list(), ['d-2/k2=v']);
        await assert.rejects(s.transaction(async (tx) => {
          await tx.putTags([tag('d-3', 'k', 'v')]);
          throw new Error('boom');
        }), /boom/);
        assert.deepEqual(await list({ resourceIds: ['d-3'] }), [], 'rolled back');
      });
    });

    it('releases every lease at start-up', async () => {
      await withStore(factory, async (s) => {
        await s.transaction((tx) => tx.enqueueJob({ id: 'j-2', type: 't', payload: {}, maxAttempts: 1, runAfter: T0 }, T0));
        await s.transaction((tx) => tx.claimJob('old', T0, 60_000));
        assert.equal(await s.transaction((tx) => tx.releaseAllLeases(T0 + 1)), 1);
        assert.equal((await s.transaction((tx) => tx.claimJob('new', T0 + 1, 1000)))?.id, 'j-2');
      });
    });
  });
  runCommerceStoreSuite(name, factory);
  runIdentityStoreSuite(name, factory);
  runOperatorStoreSuite(name, factory);
}
