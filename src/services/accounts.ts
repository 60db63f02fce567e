/**
 * Accounts and AccessKeys: the root account, whose key comes from the
 * environment or is generated on first start, and further accounts made with
 * `createAccount` (full account management is issue #4).
 */
import type { IdGenerator } from '../kernel/ids.js';
import type { AccessKeyRecord } from '../store/records.js';
import type { ServiceDeps } from './context.js';

export interface RootKeyResult {
  readonly accountId: string;
  readonly accessKeyId: string;
  /** Present only when the key was generated just now (to be shown once). */
  readonly generatedSecret?: string;
}

export interface NewAccount {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class Accounts {
  constructor(private readonly deps: ServiceDeps) {}

  async findKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    return this.deps.store.transaction((tx) => tx.getAccessKey(accessKeyId));
  }

  async setKeyStatus(accessKeyId: string, status: AccessKeyRecord['status']): Promise<void> {
    await this.deps.store.transaction((tx) => tx.setAccessKeyStatus(accessKeyId, status));
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
    if (name.length === 0 || name.length > 64) throw new Error('an account name has 1 to 64 characters');
    const { store, clock, ids } = this.deps;
    return store.transaction(async (tx) => {
      const now = clock.now();
      const accountId = ids.numericId(16);
      if (await tx.getAccount(accountId)) throw new Error(`account id ${accountId} is taken`);
      await tx.insertAccount({ id: accountId, name, createdAt: now });
      const { id, secret } = newKey(ids);
      await tx.insertAccessKey({ id, secret, accountId, status: 'Active', createdAt: now });
      return { accountId, accessKeyId: id, accessKeySecret: secret };
    });
  }
}

/** An AccessKey id (`LTAI` + 20) and secret (30), drawn from the injected IdGenerator. */
function newKey(ids: IdGenerator): { id: string; secret: string } {
  return { id: `LTAI${token(ids.randomBytes(20), 20)}`, secret: token(ids.randomBytes(30), 30) };
}

export const ROOT_ACCOUNT_ID = '1000000000000001';

function token(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += KEY_ALPHABET[bytes[i]! % KEY_ALPHABET.length];
  return out;
}
