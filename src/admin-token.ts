/**
 * The admin API's bearer token: the configured one (EDGESNAP_ADMIN_TOKEN), or one generated at the first
 * start (32 random bytes from the injected IdGenerator, hex) and kept in `<data-dir>/admin-token`, mode 0600,
 * which later starts and `edgesnap admin` read. The admin API is never open: there is always a token.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IdGenerator } from './kernel/ids.js';

export const ADMIN_TOKEN_FILE = 'admin-token';
export const MIN_ADMIN_TOKEN_LENGTH = 16;

export interface AdminToken {
  readonly token: string;
  /** The file holding it, when it was generated (now or at an earlier start). */
  readonly file?: string;
}

export async function loadAdminToken(dataDir: string, configured: string | undefined, ids: IdGenerator):
  Promise<AdminToken> {
  if (configured !== undefined) {
    if (configured.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(configured)) {
      throw new Error(`the admin token must have at least ${MIN_ADMIN_TOKEN_LENGTH} characters and no spaces`);
    }
    return { token: configured };
  }
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token.length < MIN_ADMIN_TOKEN_LENGTH) throw new Error(`${file} does not hold an admin token: remove it to make a new one`);
    return { token, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = ids.randomBytes(32).toString('hex');
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, file };
}
