/** An edgesnap started in-process on ephemeral ports over a temporary data directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdgesnap, type EdgesnapConfig, type RunningEdgesnap } from '../../src/main.js';
import { DEFAULT_REGIONS } from '../../src/services/index.js';
import type { Credentials } from './clients.js';

export const TEST_CREDENTIALS: Credentials = {
  accessKeyId: 'LTAI5tTESTrootKey000001',
  accessKeySecret: 'TESTsecretKEY0123456789abcdefXY',
};

/** Regions with a 1 GiB minimum disk so tests stay small (the default is ENS's 20 GiB). */
export const SMALL_REGIONS = DEFAULT_REGIONS.map((r) => ({ ...r, diskMinGiB: 1 }));

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function startTestServer(dataDir: string, over: Partial<EdgesnapConfig> = {}): Promise<RunningEdgesnap> {
  return startEdgesnap({
    dataDir,
    listen: { host: '127.0.0.1', port: 0 },
    nbdListen: { host: '127.0.0.1', port: 0 },
    rootKey: { id: TEST_CREDENTIALS.accessKeyId, secret: TEST_CREDENTIALS.accessKeySecret },
    regions: SMALL_REGIONS,
    jobPollMs: 50,
    ...over,
  });
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
