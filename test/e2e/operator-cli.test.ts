/**
 * `edgesnap admin` operator commands, run as the real CLI process against a running server: generic `call`,
 * fault rules, job modes and settle, seeded ids, throttle limits, reset.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, type Call } from '../support/clients.js';
import { failure } from '../support/failures.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { createDisk, diskStatus } from './operator-support.js';

const CLI = fileURLToPath(new URL('../../src/cli/edgesnap.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function edgesnap(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('edgesnap admin: operator commands', { timeout: 90_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  const admin = async (...args: string[]): Promise<string> => {
    const run = await edgesnap(['admin', ...args, '--data-dir', dir.path, '--endpoint', `http://${server.api.host}:${server.api.port}`]);
    assert.equal(run.code, 0, run.stderr);
    return run.stdout.trim();
  };

  before(async () => {
    dir = await tempDir('edgesnap-opcli-');
    server = await startTestServer(dir.path);
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('call: any route, prints the JSON answer', async () => {
    const out = JSON.parse(await admin('call', 'get', '/jobs/mode')) as Record<string, unknown>;
    assert.equal(out.Mode, 'immediate');
    assert.match(String(out.RequestId), /^[0-9A-F-]{36}$/);
    const put = JSON.parse(await admin('call', 'PUT', 'jobs/mode', '{"mode":"manual"}')) as Record<string, unknown>;
    assert.equal(put.Mode, 'manual');
    const bad = await edgesnap(['admin', 'call', 'PUT', '/jobs/mode', '{"mode":1}', '--data-dir', dir.path,
      '--endpoint', `http://${server.api.host}:${server.api.port}`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /InvalidParameter\.Mode \(HTTP 400\)/);
  });

  it('jobs mode and settle', async () => {
    assert.equal(await admin('jobs', 'mode'), 'manual');
    const diskId = await createDisk(call);
    assert.equal(await diskStatus(call, diskId), 'Creating');
    assert.match(await admin('jobs', 'settle'), /^[1-9]\d* jobs run$/);
    assert.equal(await diskStatus(call, diskId), 'Available');
    assert.equal(await admin('jobs', 'mode', 'immediate'), 'immediate');
  });

  it('faults add, list, remove, clear', async () => {
    assert.equal(await admin('faults', 'add', '--id', 'f1', '--action', 'DescribeDisks', '--error', 'OrderFailed', '--count', '1'), 'f1');
    assert.equal(await admin('faults', 'list'), 'f1\tAction=DescribeDisks\terror OrderFailed\tp=1\tleft=1\tfired=0');
    assert.deepEqual(await failure(call('DescribeDisks', {})), { status: 400, code: 'OrderFailed', message: 'Order failed, please try again.' });
    assert.equal(await admin('faults', 'list'), '');
    assert.equal(await admin('faults', 'add', '--id', 'f2', '--latency', '1', '--probability', '0'), 'f2');
    assert.equal(await admin('faults', 'remove', 'f2'), 'f2\tremoved');
    await admin('faults', 'add', '--id', 'f3', '--latency', '1', '--disk', 'd-x');
    assert.equal(await admin('faults', 'clear'), '1 rules removed');
  });

  it('ids seed, throttle set/get/unset, reset', async () => {
    assert.equal(await admin('ids', 'seed', '42'), 'ids seeded with 42');
    const account = server.accountId;
    assert.equal(await admin('throttle', 'get', account), `${account}\t5000/s\tburst 10000\t(default)`);
    assert.equal(await admin('throttle', 'set', account, '--rate', '50', '--burst', '100', '--actions', '{"CreateDisk":{"ratePerSecond":1,"burst":1}}'),
      `${account}\t50/s\tburst 100\nCreateDisk\t1/s\tburst 1`);
    assert.equal(await admin('throttle', 'unset', account), `${account}\t5000/s\tburst 10000\t(default)`);
    assert.match(await admin('reset'), /^reset:/);
    assert.equal(((await call('DescribeDisks', {})).Disks as { Disks: unknown[] }).Disks.length, 0);
  });
});
