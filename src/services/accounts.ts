/**
 * Accounts and their own AccessKeys: the root account, whose key comes from the environment or is generated
 * on first start, and further accounts, each fully isolated (every resource is scoped by account). An account's
 * own keys act as the account (allowed everything); RAM users' keys are `ram/ram-users.ts`.
 * A secret leaves this service only in the answer that creates it.
 */
import { apiError } from '../kernel/errors.js';
import { Admin, Ens } from '../kernel/catalog.js';
import type { IdGenerator } from '../kernel/ids.js';
import type { MetadataTx } from '../store/metadata-store.js';
import type { AccessKeyRecord, AccountRecord } from '../store/records.js';
import type { ServiceDeps } from './context.js';

export interface RootKeyResult {
  readonly accountId: string;
  readonly accessKeyId: string;
  /** Present only when the key was generated just now (to be shown once). */
  readonly generatedSecret?: string;
}

export interface NewAccount {
  readonly accountId: string;
  readonly name: string;
  readonly createdAt: number;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

/** A key as listed: never its secret. */
export interface KeyInfo {
  readonly id: string;
  readonly accountId: string;
  readonly userId: string;
  readonly status: AccessKeyRecord['status'];
  readonly createdAt: number;
}

export const ROOT_ACCOUNT_ID = '1000000000000001';

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class Accounts {
  constructor(private readonly deps: ServiceDeps) {}

  async findKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    return this.deps.store.transaction((tx) => tx.getAccessKey(accessKeyId));
  }

  /** Sets a key's status (account's or RAM user's); unknown key: `Admin.AccessKeyNotFound`. */
  async setKeyStatus(accessKeyId: string, status: AccessKeyRecord['status']): Promise<KeyInfo> {
    return this.deps.store.transaction(async (tx) => {
      const key = await tx.getAccessKey(accessKeyId);
      if (!key) throw apiError(Admin.AccessKeyNotFound, accessKeyId);
      await tx.setAccessKeyStatus(accessKeyId, status);
      return keyInfo({ ...key, status });
    });
  }

  async deleteKey(accessKeyId: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.deleteAccessKey(accessKeyId))) throw apiError(Admin.AccessKeyNotFound, accessKeyId);
    });
  }

  /**
   * Makes sure the root account exists with a key. With `seed` (from
   * EDGESNAP_ROOT_ACCESS_KEY_ID/_SECRET) that key is added if missing;
   * without it a random key is generated only if the root account has none yet.
   */
  async ensureRootKey(seed?: { id: string; secret: string }): Promise<RootKeyResult> {
    const { store, clock, ids } = this.deps;
    return store.transaction(async (tx) => {
      const now = clock.now();
      let root = await tx.getAccount(ROOT_ACCOUNT_ID);
      if (!root) {
        root = { id: ROOT_ACCOUNT_ID, name: 'root', createdAt: now };
        await tx.insertAccount(root);
      }
      if (seed) {
        const existing = await tx.getAccessKey(seed.id);
        if (existing && existing.accountId !== root.id) throw new Error(`access key ${seed.id} belongs to another account`);
        if (!existing) await tx.insertAccessKey({ ...seed, accountId: root.id, status: 'Active', createdAt: now });
        else if (existing.secret !== seed.secret) throw new Error(`access key ${seed.id} exists with another secret`);
        return { accountId: root.id, accessKeyId: seed.id };
      }
      const keys = await tx.listAccessKeys(root.id);
      if (keys.length > 0) return { accountId: root.id, accessKeyId: keys[0]!.id };
      const { id, secret } = newKey(ids);
      await tx.insertAccessKey({ id, secret, accountId: root.id, status: 'Active', createdAt: now });
      return { accountId: root.id, accessKeyId: id, generatedSecret: secret };
    });
  }

  /** A new account named `name` (1–64 characters) with one active AccessKey; the secret is returned only here. */
  async createAccount(name: string): Promise<NewAccount> {
    if ([...name].length === 0 || [...name].length > 64) throw apiError(Ens.InvalidParameter, 'Name');
    const { store, clock, ids } = this.deps;
    return store.transaction(async (tx) => {
      const now = clock.now();
      const accountId = ids.numericId(16);
      if (await tx.getAccount(accountId)) throw new Error(`account id ${accountId} is taken`);
      await tx.insertAccount({ id: accountId, name, createdAt: now });
      const { id, secret } = newKey(ids);
      await tx.insertAccessKey({ id, secret, accountId, status: 'Active', createdAt: now });
      return { accountId, name, createdAt: now, accessKeyId: id, accessKeySecret: secret };
    });
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return this.deps.store.transaction((tx) => tx.listAccounts());
  }

  /** Refused for root and while the account owns a live disk, snapshot or instance. */
  async deleteAccount(accountId: string): Promise<void> {
    if (accountId === ROOT_ACCOUNT_ID) throw apiError(Admin.RootAccount);
    await this.deps.store.transaction(async (tx) => {
      await requireAccount(tx, accountId);
      if ((await tx.countOwned(accountId)) > 0) throw apiError(Admin.AccountNotEmpty, accountId);
      await tx.deleteAccount(accountId, this.deps.clock.now());
    });
  }

  /** A further AccessKey of the account itself; the secret is answered only here. */
  async createKey(accountId: string): Promise<{ key: KeyInfo; secret: string }> {
    const { store, clock, ids } = this.deps;
    return store.transaction(async (tx) => {
      await requireAccount(tx, accountId);
      const { id, secret } = newKey(ids);
      const key: AccessKeyRecord = { id, secret, accountId, status: 'Active', createdAt: clock.now() };
      await tx.insertAccessKey(key);
      return { key: keyInfo(key), secret };
    });
  }

  /** The account's own keys (not its RAM users'), without secrets. */
  async listKeys(accountId: string): Promise<KeyInfo[]> {
    return this.deps.store.transaction(async (tx) => {
      await requireAccount(tx, accountId);
      return (await tx.listAccessKeys(accountId)).map(keyInfo);
    });
  }
}

export async function requireAccount(tx: MetadataTx, accountId: string): Promise<AccountRecord> {
  const account = await tx.getAccount(accountId);
  if (!account) throw apiError(Admin.AccountNotFound, accountId);
  return account;
}

export function keyInfo(k: AccessKeyRecord): KeyInfo {
  return { id: k.id, accountId: k.accountId, userId: k.userId ?? '', status: k.status, createdAt: k.createdAt };
}

/** An AccessKey id (`LTAI` + 20) and secret (30), drawn from the injected IdGenerator. */
export function newKey(ids: IdGenerator, prefix = 'LTAI', idLength = 20): { id: string; secret: string } {
  return { id: `${prefix}${token(ids.randomBytes(idLength), idLength)}`, secret: token(ids.randomBytes(30), 30) };
}

export function token(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += KEY_ALPHABET[bytes[i]! % KEY_ALPHABET.length];
  return out;
}
