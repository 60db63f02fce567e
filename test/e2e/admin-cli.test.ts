/**
 * `edgesnap admin` as an operator runs it: the real CLI process against a running server, the token read from
 * the server's data directory (or EDGESNAP_ADMIN_TOKEN), refused with a wrong one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { startTestServer, tempDir } from '../support/server.js';

/** The compiled CLI next to this compiled test (dist/ or a private build directory alike). */
const CLI = fileURLToPath(new URL('../../src/cli/edgesnap.js', import.meta.url));
const REGION = 'cn-shenzhen-3';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function edgesnap(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('edgesnap admin', { timeout: 60_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let id = '';
  const admin = (args: string[], env?: Record<string, string>): Promise<Run> =>
    edgesnap(['admin', ...args, '--data-dir', dir.path, '--endpoint', `http://${server.api.host}:${server.api.port}`], env);

  before(async () => {
    dir = await tempDir('edgesnap-admin-cli-');
    server = await startTestServer(dir.path);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('creates and lists instances with the token from the data directory', async () => {
    const created = await admin(['instances', 'create', '--region', REGION, '--name', 'web-1']);
    assert.equal(created.code, 0, created.stderr);
    id = created.stdout.trim();
    assert.match(id, /^i-[a-z0-9]{24}$/);
    assert.equal((await server.services.instances.get(id)).name, 'web-1');
    const list = await admin(['instances', 'list']);
    assert.equal(list.stdout.trim(), [id, 'Running', REGION, server.accountId, 'web-1'].join('\t'));
    const json = await admin(['--json', 'instances', 'list']);
    assert.deepEqual((JSON.parse(json.stdout) as { Instances: { InstanceId: string }[] }).Instances.map((i) => i.InstanceId), [id]);
  });

  it('stops, starts and deletes an instance', async () => {
    assert.equal((await admin(['instances', 'stop', id])).stdout.trim(), `${id}\tStopped`);
    assert.equal((await server.services.instances.get(id)).status, 'Stopped');
    const started = await admin(['instances', 'start', id], { EDGESNAP_ADMIN_TOKEN: server.adminToken });
    assert.equal(started.stdout.trim(), `${id}\tRunning`);
    assert.equal((await admin(['instances', 'delete', id])).code, 0);
    assert.deepEqual(await server.services.instances.list(), []);
    const again = await admin(['instances', 'delete', id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`InstanceIdNotFound \\(HTTP 404\\): The specified instance ${id} does not exist`));
  });

  it('fails with a wrong token, without a token and on a bad command, changing nothing', async () => {
    const wrong = await admin(['instances', 'create', '--region', REGION], { EDGESNAP_ADMIN_TOKEN: 'x'.repeat(64) });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /Admin\.Unauthorized \(HTTP 401\): The admin token is missing or wrong\./);
    const elsewhere = await tempDir('edgesnap-admin-cli-empty-');
    try {
      const none = await edgesnap(['admin', 'instances', 'list', '--data-dir', elsewhere.path,
        '--endpoint', `http://${server.api.host}:${server.api.port}`]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /cannot read the admin token/);
    } finally {
      await elsewhere.remove();
    }
    const bad = await admin(['instances', 'create']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--region/);
    assert.equal((await admin(['volumes', 'list'])).code, 1);
    assert.deepEqual(await server.services.instances.list(), []);
  });
});
