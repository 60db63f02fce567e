/**
 * RAM users under an account: created, disabled (every key and STS credential of the user then answers
 * `InvalidAccessKeyId.Inactive`), enabled, deleted (with their keys, STS credentials and attachments), and
 * their own AccessKeys. Names follow RAM's rule: 1–64 characters of letters, digits, `.`, `_`, `-`.
 */
import { apiError } from '../../kernel/errors.js';
import { Admin, Ens } from '../../kernel/catalog.js';
import { StoreConflictError, type MetadataTx } from '../../store/metadata-store.js';
import type { AccessKeyRecord, RamUserRecord } from '../../store/records.js';
import { keyInfo, newKey, requireAccount, type KeyInfo } from '../accounts.js';
import type { ServiceDeps } from '../context.js';

const USER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export class RamUsers {
  constructor(private readonly deps: ServiceDeps) {}

  async create(accountId: string, name: string): Promise<RamUserRecord> {
    if (!USER_NAME.test(name)) throw apiError(Ens.InvalidParameter, 'Name');
    const { store, clock, ids } = this.deps;
    return store.transaction(async (tx) => {
      await requireAccount(tx, accountId);
      const user: RamUserRecord = { id: ids.numericId(16), accountId, name, status: 'Active', createdAt: clock.now() };
      try {
        await tx.insertRamUser(user);
      } catch (err) {
        if (err instanceof StoreConflictError) throw apiError(Admin.UserAlreadyExists, name);
        throw err;
      }
      return user;
    });
  }

  async list(accountId: string): Promise<RamUserRecord[]> {
    return this.deps.store.transaction(async (tx) => {
      await requireAccount(tx, accountId);
      return tx.listRamUsers(accountId);
    });
  }

  async get(userId: string): Promise<RamUserRecord | undefined> {
    return this.deps.store.transaction((tx) => tx.getRamUser(userId));
  }

  async setStatus(userId: string, status: RamUserRecord['status']): Promise<RamUserRecord> {
    return this.deps.store.transaction(async (tx) => {
      const user = await requireUser(tx, userId);
      await tx.setRamUserStatus(userId, status);
      return { ...user, status };
    });
  }

  async delete(userId: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      await requireUser(tx, userId);
      await tx.deleteRamUser(userId);
    });
  }

  /** A new AccessKey of the user; the secret is answered only here. */
  async createKey(userId: string): Promise<{ key: KeyInfo; secret: string }> {
    const { store, clock, ids } = this.deps;
    return store.transaction(async (tx) => {
      const user = await requireUser(tx, userId);
      const { id, secret } = newKey(ids);
      const key: AccessKeyRecord = {
        id, secret, accountId: user.accountId, userId, status: 'Active', createdAt: clock.now(),
      };
      await tx.insertAccessKey(key);
      return { key: keyInfo(key), secret };
    });
  }

  async listKeys(userId: string): Promise<KeyInfo[]> {
    return this.deps.store.transaction(async (tx) => {
      await requireUser(tx, userId);
      return (await tx.listUserKeys(userId)).map(keyInfo);
    });
  }
}

export async function requireUser(tx: MetadataTx, userId: string): Promise<RamUserRecord> {
  const user = await tx.getRamUser(userId);
  if (!user) throw apiError(Admin.UserNotFound, userId);
  return user;
}
