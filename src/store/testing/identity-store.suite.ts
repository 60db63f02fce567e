/** The identity part of the store conformance suite (migration 6): accounts, keys, RAM users, policies, STS. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreConflictError, type MetadataStore } from '../metadata-store.js';
import type { DiskRecord } from '../records.js';

// Declared here, not imported from metadata-store.suite.ts (which imports this file): no cycle.
type StoreFactory = () => Promise<{ store: MetadataStore; cleanup: () => Promise<void> }>;

const T0 = 1_764_000_000_000;

const disk = (id: string, accountId: string): DiskRecord => ({
  id, accountId, regionId: 'cn-hangzhou-telecom', name: '', description: '', category: 'cloud_ssd', sizeBytes: 2 ** 30,
  status: 'Available', diskType: '2', chargeType: 'postpay', sourceSnapshotId: '', instanceId: '',
  deleteWithInstance: false, createdAt: T0, deletedAt: null,
});

async function withStore(factory: StoreFactory, fn: (s: MetadataStore) => Promise<void>): Promise<void> {
  const { store, cleanup } = await factory();
  try {
    await store.migrate();
    await store.transaction(async (tx) => {
      await tx.insertAccount({ id: 'acc-1', name: 'root', createdAt: T0 });
      await tx.insertAccount({ id: 'acc-2', name: 'other', createdAt: T0 + 1 });
      await tx.insertRamUser({ id: 'u-1', accountId: 'acc-2', name: 'alice', status: 'Active', createdAt: T0 });
      await tx.insertAccessKey({ id: 'AK-own', accountId: 'acc-2', secret: 's', status: 'Active', createdAt: T0 });
      await tx.insertAccessKey({ id: 'AK-u1', accountId: 'acc-2', userId: 'u-1', secret: 's', status: 'Active', createdAt: T0 });
    });
    await fn(store);
  } finally {
    await store.close();
    await cleanup();
  }
}

export function runIdentityStoreSuite(name: string, factory: StoreFactory): void {
  describe(`MetadataStore conformance (identity): ${name}`, () => {
    it("keeps an account's own keys apart from its RAM users' keys", async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          assert.deepEqual((await tx.listAccessKeys('acc-2')).map((k) => k.id), ['AK-own']);
          assert.deepEqual((await tx.listUserKeys('u-1')).map((k) => [k.id, k.userId]), [['AK-u1', 'u-1']]);
          assert.equal((await tx.getAccessKey('AK-own'))?.userId, '');
          assert.equal(await tx.deleteAccessKey('AK-own'), true);
          assert.equal(await tx.deleteAccessKey('AK-own'), false);
        });
      });
    });

    it('refuses a second user or policy of the same name in one account, not across accounts', async () => {
      await withStore(factory, async (s) => {
        await assert.rejects(s.transaction((tx) => tx.insertRamUser(
          { id: 'u-2', accountId: 'acc-2', name: 'alice', status: 'Active', createdAt: T0 })), StoreConflictError);
        await s.transaction((tx) => tx.insertRamUser({ id: 'u-3', accountId: 'acc-1', name: 'alice', status: 'Active', createdAt: T0 }));
        const policy = { id: 'p-1', accountId: 'acc-2', name: 'read', document: '{}', createdAt: T0 };
        await s.transaction((tx) => tx.insertPolicy(policy));
        await assert.rejects(s.transaction((tx) => tx.insertPolicy({ ...policy, id: 'p-2' })), StoreConflictError);
        assert.deepEqual(await s.transaction((tx) => tx.getPolicyByName('acc-2', 'read')), policy);
        assert.equal(await s.transaction((tx) => tx.getPolicyByName('acc-1', 'read')), undefined);
      });
    });

    it('attaches and detaches policies, counting attachments', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          await tx.insertPolicy({ id: 'p-1', accountId: 'acc-2', name: 'read', document: '{}', createdAt: T0 });
          assert.equal(await tx.attachPolicy('u-1', 'p-1'), true);
          assert.equal(await tx.attachPolicy('u-1', 'p-1'), false);
          assert.equal(await tx.countAttachments('p-1'), 1);
          assert.deepEqual((await tx.userPolicies('u-1')).map((p) => p.name), ['read']);
          assert.equal(await tx.detachPolicy('u-1', 'p-1'), true);
          assert.equal(await tx.detachPolicy('u-1', 'p-1'), false);
          assert.deepEqual(await tx.userPolicies('u-1'), []);
        });
      });
    });

    it('deletes a user with its keys, STS credentials and attachments', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          await tx.insertPolicy({ id: 'p-1', accountId: 'acc-2', name: 'read', document: '{}', createdAt: T0 });
          await tx.attachPolicy('u-1', 'p-1');
          const sts = { id: 'STS.1', accountId: 'acc-2', userId: 'u-1', secret: 's', tokenSha256: 'ab', expiresAt: T0 + 1, createdAt: T0 };
          await tx.insertStsCredential(sts);
          assert.deepEqual(await tx.getStsCredential('STS.1'), sts);
          await tx.setRamUserStatus('u-1', 'Inactive');
          assert.equal((await tx.getRamUser('u-1'))?.status, 'Inactive');
          await tx.deleteRamUser('u-1');
          assert.equal(await tx.getRamUser('u-1'), undefined);
          assert.equal(await tx.getAccessKey('AK-u1'), undefined);
          assert.equal(await tx.getStsCredential('STS.1'), undefined);
          assert.equal(await tx.countAttachments('p-1'), 0);
        });
      });
    });

    it('counts what an account owns and deletes it softly with everything that acts as it', async () => {
      await withStore(factory, async (s) => {
        await s.transaction(async (tx) => {
          await tx.insertDisk(disk('d-1', 'acc-2'));
          assert.equal(await tx.countOwned('acc-2'), 1);
          await tx.updateDisk('d-1', { status: 'Deleted', deletedAt: T0 });
          assert.equal(await tx.countOwned('acc-2'), 0);
          assert.deepEqual((await tx.listAccounts()).map((a) => a.id), ['acc-1', 'acc-2']);
          await tx.deleteAccount('acc-2', T0 + 5);
          assert.equal(await tx.getAccount('acc-2'), undefined);
          assert.deepEqual((await tx.listAccounts()).map((a) => a.id), ['acc-1']);
          assert.equal(await tx.getAccessKey('AK-own'), undefined);
          assert.equal(await tx.getAccessKey('AK-u1'), undefined);
          assert.deepEqual(await tx.listRamUsers('acc-2'), []);
        });
      });
    });
  });
}
