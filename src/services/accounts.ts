/**
 * Accounts and AccessKeys. This first version has the root account only: its
 * key comes from the environment or is generated on first start.
 */
import type { AccessKeyRecord } from '../store/records.js';
import type { ServiceDeps } from './context.js';

export interface RootKeyResult {
  readonly accountId: string;
  readonly accessKeyId: string;
  /** Present only when the key was generated just now (to be shown once). */
  readonly generatedSecret?: string;
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
      const id = `LTAI${token(ids.randomBytes(20), 20)}`;
      const secret = token(ids.randomBytes(30), 30);
      await tx.insertAccessKey({ id, secret, accountId: root.id, status: 'Active', createdAt: now });
      return { accountId: root.id, accessKeyId: id, generatedSecret: secret };
    });
  }
}

export const ROOT_ACCOUNT_ID = '1000000000000001';

function token(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += KEY_ALPHABET[bytes[i]! % KEY_ALPHABET.length];
  return out;
}
