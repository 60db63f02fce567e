/**
 * Instances, only as far as disks need them: an instance is a consumer of disks (a VM on an edge node)
 * that an operator registers through the admin API. Its status is `Running` or `Stopped`, set by the
 * operator; ResetDisk of a disk attached to a `Running` instance is refused. The ENS compute API is out
 * of scope: clients see instances only through AttachDisk, DetachDisk and DescribeDisks.
 */
import { apiError } from '../kernel/errors.js';
import { Admin, Ens } from '../kernel/catalog.js';
import type { MetadataTx } from '../store/metadata-store.js';
import type { InstanceRecord, InstanceStatus } from '../store/records.js';
import { ROOT_ACCOUNT_ID } from './accounts.js';
import type { ServiceDeps } from './context.js';
import type { Regions } from './regions.js';

export interface RegisterInstanceInput {
  /** The owning account; the root account when absent. */
  accountId?: string;
  regionId: string;
  name?: string;
}

export class Instances {
  constructor(private readonly deps: ServiceDeps, private readonly regions: Regions) {}

  /** Admin: a new `Running` instance of `accountId` in `regionId`. */
  async register(input: RegisterInstanceInput): Promise<InstanceRecord> {
    const { store, clock, ids } = this.deps;
    const region = this.regions.require(input.regionId);
    const accountId = input.accountId ?? ROOT_ACCOUNT_ID;
    return store.transaction(async (tx) => {
      if (!(await tx.getAccount(accountId))) throw apiError(Admin.AccountNotFound, accountId);
      const instance: InstanceRecord = {
        id: ids.resourceId('i'), accountId, regionId: region.id, name: input.name ?? '', status: 'Running',
        createdAt: clock.now(), deletedAt: null,
      };
      await tx.insertInstance(instance);
      return instance;
    });
  }

  /** Admin: starts or stops an instance (idempotent: the operator states what the VM is doing). */
  async setStatus(instanceId: string, status: InstanceStatus): Promise<InstanceRecord> {
    return this.deps.store.transaction(async (tx) => {
      const instance = await requireInstance(tx, instanceId);
      await tx.updateInstance(instanceId, { status });
      return { ...instance, status };
    });
  }

  /** Admin: deletes an instance; refused while a disk is attached to it (or attaching, detaching). */
  async delete(instanceId: string): Promise<void> {
    const { store, clock } = this.deps;
    await store.transaction(async (tx) => {
      const instance = await requireInstance(tx, instanceId);
      const attached = await tx.listDisks({ accountId: instance.accountId, instanceId, offset: 0, limit: 1 });
      if (attached.total > 0) throw apiError(Admin.InstanceHasDisks, instanceId);
      await tx.updateInstance(instanceId, { deletedAt: clock.now() });
    });
  }

  /** Instances that are not deleted, in creation order; every account's when `accountId` is undefined. */
  async list(filter: { accountId?: string; regionIds?: readonly string[] } = {}): Promise<InstanceRecord[]> {
    return this.deps.store.transaction((tx) => tx.listInstances(filter));
  }

  /** One instance, or `InstanceIdNotFound`; `accountId` scopes it. */
  async get(instanceId: string, accountId?: string): Promise<InstanceRecord> {
    return this.deps.store.transaction((tx) => requireInstance(tx, instanceId, accountId));
  }
}

/** An instance that is not deleted (of `accountId` when given) inside the caller's transaction, or `InstanceIdNotFound`. */
export async function requireInstance(tx: MetadataTx, instanceId: string, accountId?: string): Promise<InstanceRecord> {
  const instance = await tx.getInstance(instanceId, accountId);
  if (!instance) throw apiError(Ens.InstanceNotFound, instanceId);
  return instance;
}
