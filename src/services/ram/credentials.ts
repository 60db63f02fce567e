/**
 * What the gateway needs to know about an AccessKeyId, in one read: whose it is (the account, and the RAM
 * user when it is one), the secret to verify the signature with, whether it may be used (the key and its
 * user both active), and for STS credentials the token digest and expiration.
 */
import type { ServiceDeps } from '../context.js';
import { STS_KEY_PREFIX } from './sts.js';

export interface CredentialInfo {
  readonly accessKeyId: string;
  readonly accountId: string;
  /** The RAM user acting; '' for an account's own key (allowed everything). */
  readonly userId: string;
  readonly secret: string;
  /** The key is enabled and, for a RAM user's key or STS credentials, the user too. */
  readonly active: boolean;
  /** Present for STS credentials only. */
  readonly sts?: { readonly tokenSha256: string; readonly expiresAt: number };
}

export class CredentialDirectory {
  constructor(private readonly deps: ServiceDeps) {}

  async find(accessKeyId: string): Promise<CredentialInfo | undefined> {
    return this.deps.store.transaction(async (tx) => {
      if (accessKeyId.startsWith(STS_KEY_PREFIX)) {
        const c = await tx.getStsCredential(accessKeyId);
        if (!c) return undefined;
        const user = await tx.getRamUser(c.userId);
        if (!user) return undefined;
        return {
          accessKeyId, accountId: c.accountId, userId: c.userId, secret: c.secret, active: user.status === 'Active',
          sts: { tokenSha256: c.tokenSha256, expiresAt: c.expiresAt },
        };
      }
      const key = await tx.getAccessKey(accessKeyId);
      if (!key) return undefined;
      const userId = key.userId ?? '';
      const user = userId === '' ? undefined : await tx.getRamUser(userId);
      if (userId !== '' && !user) return undefined;
      const active = key.status === 'Active' && (user === undefined || user.status === 'Active');
      return { accessKeyId, accountId: key.accountId, userId, secret: key.secret, active };
    });
  }
}
