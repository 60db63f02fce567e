/**
 * `edgesnap serve` as a new user runs it: without a configured key it generates
 * one, prints it once, saves it 0600 in credentials.json, and that key works;
 * a restart keeps the key and does not print the secret again.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { popClient } from '../support/clients.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { tempDir } from '../support/server.js';

describe('edgesnap serve without a configured key', { timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let proc: ServerProcess | undefined;
  before(async () => {
    dir = await tempDir('edgesnap-cli-');
  });
  after(async () => {
    await proc?.kill();
    await dir.remove();
  });

  it('generates a root key once, saves it 0600, and it authenticates', async () => {
    proc = await spawnServer(dir.path, [], {});
    const file = join(dir.path, 'credentials.json');
    const creds = JSON.parse(await readFile(file, 'utf8')) as { accessKeyId: string; accessKeySecret: string };
    assert.match(creds.accessKeyId, /^LTAI[A-Za-z0-9]{20}$/);
    assert.match(creds.accessKeySecret, /^[A-Za-z0-9]{30}$/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.ok(proc.output().includes(`AccessKeySecret ${creds.accessKeySecret}`), 'printed once at first start');
    const regions = await popClient(proc.api, creds, 'GET')('DescribeEnsRegions');
    assert.ok(Array.isArray((regions.EnsRegions as { EnsRegions: unknown[] }).EnsRegions));
    await assert.rejects(popClient(proc.api, { ...creds, accessKeySecret: 'wrong' }, 'GET')('DescribeEnsRegions'),
      (err: { code: string }) => err.code === 'SignatureDoesNotMatch');

    assert.equal(await proc.kill('SIGTERM'), 0);
    proc = await spawnServer(dir.path, [], {});
    assert.ok(proc.output().includes(`root AccessKeyId ${creds.accessKeyId}`));
    assert.ok(!proc.output().includes(creds.accessKeySecret), 'the secret is not printed again');
    await popClient(proc.api, creds, 'POST')('DescribeEnsRegions');
  });

  it('refuses a second process on the same data directory', async () => {
    await assert.rejects(spawnServer(dir.path, [], {}), /already using it/);
  });
});
