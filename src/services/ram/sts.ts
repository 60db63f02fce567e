/**
 * Temporary credentials for a RAM user, STS-style: an `STS.…` AccessKeyId, a secret, a SecurityToken and an
 * expiration 900–43200 seconds ahead (STS AssumeRole's range). A request signed with them must carry the token
 * and is authorized as the user. Only the token's SHA-256 is stored; the secret is kept (it is the HMAC key).
 */
import { createHash } from 'node:crypto';
import { apiError } from '../../kernel/errors.js';
import { Ens } from '../../kernel/catalog.js';
import type { StsCredentialRecord } from '../../store/records.js';
import { newKey, token } from '../accounts.js';
import type { ServiceDeps } from '../context.js';
import { requireUser } from './ram-users.js';

export const STS_MIN_SECONDS = 900;
export const STS_MAX_SECONDS = 43_200;
export const STS_KEY_PREFIX = 'STS.';
const TOKEN_PREFIX = 'CAIS';
const TOKEN_BODY = 96;
/** The shape of every token edgesnap issues; anything else is `InvalidSecurityToken.Malformed`. */
export const SECURITY_TOKEN = new RegExp(`^${TOKEN_PREFIX}[A-Za-z0-9]{${TOKEN_BODY}}$`);

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  readonly expiresAt: number;
  readonly userId: string;
  readonly accountId: string;
}

export const tokenDigest = (t: string): string => createHash('sha256').update(t, 'utf8').digest('hex');

export class StsCredentials {
  constructor(private readonly deps: ServiceDeps) {}

  async issue(userId: string, durationSeconds: number): Promise<IssuedCredentials> {
    if (!Number.isInteger(durationSeconds) || durationSeconds < STS_MIN_SECONDS || durationSeconds > STS_MAX_SECONDS) {
      throw apiError(Ens.InvalidParameter, 'DurationSeconds');
    }
    const { store, clock, ids } = this.deps;
    return store.transaction(async (tx) => {
      const user = await requireUser(tx, userId);
      const now = clock.now();
      const { id, secret } = newKey(ids, STS_KEY_PREFIX, 24);
      const securityToken = `${TOKEN_PREFIX}${token(ids.randomBytes(TOKEN_BODY), TOKEN_BODY)}`;
      const record: StsCredentialRecord = {
        id, accountId: user.accountId, userId, secret, tokenSha256: tokenDigest(securityToken),
        expiresAt: now + durationSeconds * 1000, createdAt: now,
      };
      await tx.insertStsCredential(record);
      return {
        accessKeyId: id, accessKeySecret: secret, securityToken, expiresAt: record.expiresAt, userId,
        accountId: user.accountId,
      };
    });
  }
}
