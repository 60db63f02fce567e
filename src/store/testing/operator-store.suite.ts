/** The operator part of the shared store suite (migration 8): throttle limits and reset-all-state. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetadataStore } from '../metadata-store.js';
import type { StoreFactory } from './samples.js';
import { sampleDisk, sampleInstance, sampleSnapshot } from './samples.js';

const T0 = 1_764_000_000_000;

async function withStore(factory: StoreFactory, fn: (s: MetadataStore) => Promise<void>): Promise<void> {
  const { store, cleanup } = await factory();
  try {
    await store.migrate();
    await fn(store);
  } finally {
    await cleanup();
  }
}

export function runOperatorStoreSuite(name: string, factory: StoreFactory): void {
  describe(`MetadataStore operator (${name})`, () => {
    it('keeps throttle limits per account, replacing and deleting them', async () => {
      await withStore(factory, async (s) => {
        const limits = { accountId: 'acc-1', ratePerSecond: 2.5, burst: 5, actions: { CreateSnapshot: { ratePerSecond: 0.5, burst: 1 } }, updatedAt: T0 };
        await s.transaction((tx) => tx.putThrottleLimits(limits));
        assert.deepEqual(await s.transaction((tx) => tx.listThrottleLimits()), [limits]);
        const replaced = { ...limits, ratePerSecond: 9, actions: {}, updatedAt: T0 + 1 };
        await s.transaction((tx) => tx.putThrottleLimits(replaced));
        assert.deepEqual(await s.transaction((tx) => tx.listThrottleLimits()), [replaced]);
        assert.equal(await s.transaction((tx) => tx.deleteThrottleLimits('acc-1')), true);
        assert.equal(await s.transaction((tx) => tx.deleteThrottleLimits('acc-1')), false);
        assert.deepEqual(await s.transaction((tx) => tx.listThrottleLimits()), []);
        await assert.rejects(s.transaction((tx) => tx.putThrottleLimits({ ...limits, burst: 0 })), /CHECK/);
      });
    });

    it('reset removes every row but the root account and its own keys', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          for (const id of ['root', 'acc-1']) {
            await tx.insertAccount({ id, name: id, createdAt: T0 });
            await tx.insertAccessKey({ id: `k-${id}`, accountId: id, secret: 's', status: 'Active', createdAt: T0 });
          }
          await tx.insertDisk(sampleDisk('d-1', { accountId: 'root' }));
          await tx.insertDisk(sampleDisk('d-2'));
          await tx.insertSnapshot(sampleSnapshot('s-1', { accountId: 'root' }));
          await tx.insertInstance(sampleInstance('i-1', { accountId: 'root' }));
          await tx.putTags([{ accountId: 'root', resourceType: 'disk', resourceId: 'd-1', key: 'k', value: 'v' }]);
          await tx.enqueueJob({ id: 'j-1', type: 't', payload: {}, maxAttempts: 1, runAfter: T0 }, T0);
          await tx.putThrottleLimits({ accountId: 'root', ratePerSecond: 1, burst: 1, actions: {}, updatedAt: T0 });
        });
        const removed = await s.transaction((tx) => tx.resetAll('root'));
        assert.equal(removed.disks, 2);
        assert.equal(removed.accounts, 1);
        assert.equal(removed.access_keys, 1);
        await s.transaction(async (tx) => {
          assert.equal((await tx.getAccount('root'))?.id, 'root');
          assert.equal(await tx.getAccount('acc-1'), undefined);
          assert.deepEqual((await tx.listAccessKeys('root')).map((k) => k.id), ['k-root']);
          assert.equal(await tx.getAccessKey('k-acc-1'), undefined);
          assert.equal(await tx.getDisk('d-1'), undefined);
          assert.equal(await tx.getSnapshot('s-1'), undefined);
          assert.deepEqual(await tx.listInstances({}), []);
          assert.deepEqual(await tx.listTags({ accountId: 'root', resourceType: 'disk' }), []);
          assert.deepEqual(await tx.listJobs(), []);
          assert.deepEqual(await tx.listThrottleLimits(), []);
        });
        // Usable at once: the same ids can be created again.
        await s.transaction((tx) => tx.insertDisk(sampleDisk('d-1', { accountId: 'root' })));
      });
    });
  });
}
