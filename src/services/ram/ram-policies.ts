/**
 * Custom policies of an account (documents validated by `parsePolicy`; a refused one answers
 * `Admin.MalformedPolicyDocument` naming the element and the problem) and their attachment to RAM users.
 * `documentsOf(userId)` is what the gateway evaluates a RAM user's request against.
 */
import { apiError } from '../../kernel/errors.js';
import { Admin, Ens } from '../../kernel/catalog.js';
import { StoreConflictError } from '../../store/metadata-store.js';
import type { RamPolicyRecord } from '../../store/records.js';
import { requireAccount } from '../accounts.js';
import type { ServiceDeps } from '../context.js';
import { isPolicyError, parsePolicy, type PolicyDocument } from './policy.js';
import { requireUser } from './ram-users.js';

/** RAM's rule for policy names: 1–128 characters of letters, digits and `-`. */
const POLICY_NAME = /^[A-Za-z0-9-]{1,128}$/;

export class RamPolicies {
  /** Parsed documents by policy id and text (a policy's document never changes once created). */
  private readonly parsed = new Map<string, { text: string; doc: PolicyDocument }>();

  constructor(private readonly deps: ServiceDeps) {}

  async create(accountId: string, name: string, document: string): Promise<RamPolicyRecord> {
    if (!POLICY_NAME.test(name)) throw apiError(Ens.InvalidParameter, 'Name');
    try {
      parsePolicy(document);
    } catch (err) {
      if (isPolicyError(err)) throw apiError(Admin.MalformedPolicyDocument, err.message);
      throw err;
    }
    const { store, clock, ids } = this.deps;
    return store.transaction(async (tx) => {
      await requireAccount(tx, accountId);
      const policy = { id: ids.resourceId('p'), accountId, name, document, createdAt: clock.now() };
      try {
        await tx.insertPolicy(policy);
      } catch (err) {
        if (err instanceof StoreConflictError) throw apiError(Admin.PolicyAlreadyExists, name);
        throw err;
      }
      return policy;
    });
  }

  async list(accountId: string): Promise<RamPolicyRecord[]> {
    return this.deps.store.transaction(async (tx) => {
      await requireAccount(tx, accountId);
      return tx.listPolicies(accountId);
    });
  }

  /** Refused while the policy is attached to a user. */
  async delete(accountId: string, name: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      await requireAccount(tx, accountId);
      const policy = await tx.getPolicyByName(accountId, name);
      if (!policy) throw apiError(Admin.PolicyNotFound, name);
      if ((await tx.countAttachments(policy.id)) > 0) throw apiError(Admin.PolicyInUse, name);
      await tx.deletePolicy(policy.id);
      this.parsed.delete(policy.id);
    });
  }

  /** Attaches the user's account's policy `name` to the user. */
  async attach(userId: string, name: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const user = await requireUser(tx, userId);
      const policy = await tx.getPolicyByName(user.accountId, name);
      if (!policy) throw apiError(Admin.PolicyNotFound, name);
      if (!(await tx.attachPolicy(userId, policy.id))) throw apiError(Admin.PolicyAlreadyAttached, name);
    });
  }

  async detach(userId: string, name: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const user = await requireUser(tx, userId);
      const policy = await tx.getPolicyByName(user.accountId, name);
      if (!policy) throw apiError(Admin.PolicyNotFound, name);
      if (!(await tx.detachPolicy(userId, policy.id))) throw apiError(Admin.PolicyNotAttached, name);
    });
  }

  async attachedNames(userId: string): Promise<string[]> {
    return this.deps.store.transaction(async (tx) => {
      await requireUser(tx, userId);
      return (await tx.userPolicies(userId)).map((p) => p.name);
    });
  }

  /** The parsed documents of every policy attached to the user. */
  async documentsOf(userId: string): Promise<PolicyDocument[]> {
    const records = await this.deps.store.transaction((tx) => tx.userPolicies(userId));
    return records.map((r) => {
      const hit = this.parsed.get(r.id);
      if (hit && hit.text === r.document) return hit.doc;
      const doc = parsePolicy(r.document);
      this.parsed.set(r.id, { text: r.document, doc });
      return doc;
    });
  }
}
