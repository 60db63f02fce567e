/**
 * Instances end to end: registered over the admin API (bearer token, refused without it), then AttachDisk /
 * DetachDisk through the official clients with every intermediate state visible (jobs drained by hand), the
 * DescribeDisks `InstanceId` filter Terraform polls, and each state rule with its exact status, code and message.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, popClient, type Body, type Call } from '../support/clients.js';
import { diskNotFound, failure, invalid, missing, type Failure } from '../support/failures.js';
import { nbdUri, qemuIo } from '../support/nbd-tools.js';
import { startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { mustFindChunk, storedDigests } from '../../src/engine/testing/stored-chunks.js';

const REGION = 'cn-shenzhen-3';
const OTHER_REGION = 'cn-beijing-15';

const incorrectDisk = (id: string): Failure => ({
  status: 400, code: 'IncorrectDiskStatus', message: `The current status of the disk ${id} does not support this operation.`,
});
const instanceNotFound = (id: string): Failure => ({
  status: 404, code: 'InstanceIdNotFound', message: `The specified instance ${id} does not exist.`,
});
const incorrectInstance = (id: string): Failure => ({
  status: 400, code: 'IncorrectInstanceStatus',
  message: `The current status of the instance ${id} does not support this operation.`,
});
const UNAUTHORIZED: Failure = { status: 401, code: 'Admin.Unauthorized', message: 'The admin token is missing or wrong.' };

interface AdminAnswer {
  status: number;
  body: Body;
}

describe('instances and AttachDisk / DetachDisk', { timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let server: RunningEdgesnap;
  let call: Call;
  let pop: Call;
  let instance = '';
  let diskId = '';

  const adminCall = async (method: string, path: string, body?: unknown, token: string | null = server.adminToken):
    Promise<AdminAnswer> => {
    const res = await fetch(`http://${server.api.host}:${server.api.port}/admin/v1${path}`, {
      method,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };
  const adminFailure = (a: AdminAnswer): Failure => ({
    status: a.status, code: String(a.body.Code), message: String(a.body.Message),
  });
  const register = async (regionId = REGION, name?: string): Promise<string> => {
    const res = await adminCall('POST', '/instances', { regionId, ...(name ? { name } : {}) });
    assert.equal(res.status, 201);
    return (res.body.Instance as Body).InstanceId as string;
  };
  const disks = async (params: Record<string, string>, via: Call = call): Promise<Body[]> =>
    ((await via('DescribeDisks', params)).Disks as { Disks: Body[] }).Disks;
  const disk = async (id: string): Promise<Body> => (await disks({ DiskId: id }))[0]!;
  const newDisk = async (): Promise<string> => {
    const res = await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid', Size: '1' });
    await server.jobs.drain();
    return (res.InstanceIds as string[])[0]!;
  };

  before(async () => {
    dir = await tempDir('edgesnap-instances-');
    server = await startTestServer(dir.path, { startJobs: false });
    call = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
    pop = popClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS, 'POST');
    diskId = await newDisk();
  });
  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('keeps a generated admin token 0600 in the data directory', async () => {
    const file = join(dir.path, 'admin-token');
    assert.equal((await readFile(file, 'utf8')).trim(), server.adminToken);
    assert.match(server.adminToken, /^[0-9a-f]{64}$/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('refuses the admin API without the token, with a wrong one or another scheme, and changes nothing', async () => {
    const body = { regionId: REGION, name: 'intruder' };
    assert.deepEqual(adminFailure(await adminCall('POST', '/instances', body, null)), UNAUTHORIZED);
    assert.deepEqual(adminFailure(await adminCall('POST', '/instances', body, 'f'.repeat(64))), UNAUTHORIZED);
    assert.deepEqual(adminFailure(await adminCall('POST', '/instances', body, '')), UNAUTHORIZED);
    assert.deepEqual(adminFailure(await adminCall('GET', '/instances', undefined, `${server.adminToken}x`)), UNAUTHORIZED);
    const basic = await fetch(`http://${server.api.host}:${server.api.port}/admin/v1/instances`, {
      headers: { authorization: `Basic ${server.adminToken}` },
    });
    assert.equal(basic.status, 401);
    assert.deepEqual(adminFailure(await adminCall('GET', '/nothing-here', undefined, null)), UNAUTHORIZED);
    assert.deepEqual((await adminCall('GET', '/instances')).body.Instances, []);
  });

  it('validates admin requests with catalog codes', async () => {
    const bad = async (body: unknown): Promise<Failure> => adminFailure(await adminCall('POST', '/instances', body));
    assert.deepEqual(await bad({}), missing('RegionId'));
    assert.deepEqual(await bad({ regionId: 'mars-1' }), invalid('RegionId'));
    assert.deepEqual(await bad({ regionId: REGION, name: 7 }), invalid('Name'));
    assert.deepEqual(await bad({ regionId: REGION, size: 1 }), invalid('Size'));
    assert.deepEqual(await bad('[1]'), invalid('Body'));
    assert.deepEqual(await bad({ regionId: REGION, accountId: '42' }),
      { status: 404, code: 'Admin.AccountNotFound', message: 'The account 42 does not exist.' });
    const raw = await fetch(`http://${server.api.host}:${server.api.port}/admin/v1/instances`, {
      method: 'POST', headers: { authorization: `Bearer ${server.adminToken}` }, body: '{not json',
    });
    assert.equal(raw.status, 400);
    assert.equal(((await raw.json()) as Body).Code, 'InvalidParameter.Body');
    assert.equal((await adminCall('GET', '/nothing-here')).body.Code, 'InvalidAction.NotFound');
    assert.deepEqual(adminFailure(await adminCall('POST', '/instances/i-nope/stop')), instanceNotFound('i-nope'));
    assert.deepEqual((await adminCall('GET', '/instances')).body.Instances, [], 'nothing was registered');
  });

  it('registers an instance (Running) and lists it', async () => {
    const res = await adminCall('POST', '/instances', { regionId: REGION, name: 'web-1' });
    assert.equal(res.status, 201);
    const item = res.body.Instance as Body;
    instance = item.InstanceId as string;
    assert.match(instance, /^i-[a-z0-9]{24}$/);
    assert.match(res.body.RequestId as string, /^[0-9A-F-]{36}$/);
    assert.deepEqual({ ...item, CreationTime: undefined }, {
      InstanceId: instance, InstanceName: 'web-1', AccountId: server.accountId, EnsRegionId: REGION, Status: 'Running',
      CreationTime: undefined,
    });
    assert.deepEqual(((await adminCall('GET', '/instances')).body.Instances as Body[]).map((i) => i.InstanceId), [instance]);
  });

  it('refuses AttachDisk with bad input, unknown or foreign instances and disks not Available', async () => {
    assert.deepEqual(await failure(call('AttachDisk', { InstanceId: instance })), missing('DiskId'));
    assert.deepEqual(await failure(call('AttachDisk', { DiskId: diskId })), missing('InstanceId'));
    assert.deepEqual(await failure(call('AttachDisk', { DiskId: diskId, InstanceId: instance, DeleteWithInstance: 'yes' })),
      invalid('DeleteWithInstance'));
    assert.deepEqual(await failure(call('AttachDisk', { DiskId: diskId, InstanceId: 'i-nope' })), instanceNotFound('i-nope'));
    assert.deepEqual(await failure(call('AttachDisk', { DiskId: 'd-nope', InstanceId: instance })), diskNotFound('d-nope'));
    const far = await register(OTHER_REGION);
    assert.deepEqual(await failure(call('AttachDisk', { DiskId: diskId, InstanceId: far })), invalid('InstanceId'));
    const other = await server.services.accounts.createAccount('other');
    const foreign = ((await adminCall('POST', '/instances', { regionId: REGION, accountId: other.accountId })).body
      .Instance as Body).InstanceId as string;
    assert.deepEqual(await failure(call('AttachDisk', { DiskId: diskId, InstanceId: foreign })), instanceNotFound(foreign));
    const otherCall = coreClient(`${server.api.host}:${server.api.port}`, other);
    assert.deepEqual(await failure(otherCall('AttachDisk', { DiskId: diskId, InstanceId: foreign })), diskNotFound(diskId));
    const creating = ((await call('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', InstanceChargeType: 'PostPaid',
      Size: '1' })).InstanceIds as string[])[0]!;
    assert.deepEqual(await failure(call('AttachDisk', { DiskId: creating, InstanceId: instance })), incorrectDisk(creating));
    await server.jobs.drain();
    const d = await disk(diskId);
    assert.deepEqual([d.Status, d.InstanceId], ['Available', ''], 'nothing changed');
  });

  it('attaches: Attaching, then In-use with InstanceId, InstanceName and DeleteWithInstance', async () => {
    const res = await call('AttachDisk', { DiskId: diskId, InstanceId: instance, DeleteWithInstance: 'true' });
    assert.deepEqual(Object.keys(res).sort(), ['Code', 'RequestId']);
    assert.equal(res.Code, 0);
    let d = await disk(diskId);
    assert.deepEqual([d.Status, d.InstanceId], ['Attaching', instance]);
    assert.deepEqual(await failure(call('AttachDisk', { DiskId: diskId, InstanceId: instance })), incorrectDisk(diskId));
    assert.deepEqual(await failure(call('DeleteDisk', { DiskId: diskId })), incorrectDisk(diskId));
    assert.deepEqual(await failure(call('DetachDisk', { DiskId: diskId, InstanceId: instance })), incorrectDisk(diskId));
    await server.jobs.drain();
    d = await disk(diskId);
    assert.deepEqual([d.Status, d.InstanceId, d.InstanceName, d.DeleteWithInstance], ['In-use', instance, 'web-1', true]);
  });

  it('DescribeDisks honours InstanceId, alone and with DiskId as Terraform polls it', async () => {
    const loose = await newDisk();
    const ids = async (params: Record<string, string>, via?: Call): Promise<unknown[]> =>
      (await disks(params, via)).map((x) => x.DiskId);
    assert.deepEqual(await ids({ InstanceId: instance }), [diskId]);
    assert.deepEqual(await ids({ DiskId: diskId, InstanceId: instance }, pop), [diskId]);
    assert.deepEqual(await ids({ DiskId: loose, InstanceId: instance }), []);
    assert.deepEqual(await ids({ InstanceId: 'i-nope' }), []);
    assert.ok((await ids({})).includes(loose));
    assert.equal((await disk(loose)).DeleteWithInstance, false);
    assert.equal((await call('DescribeDisks', { InstanceId: instance })).TotalCount, 1);
    assert.deepEqual(await ids({ Status: 'In-use' }), [diskId]);
    assert.ok((await ids({ DiskType: 'PostPayDisk', DiskChargeType: 'postpay' })).includes(loose));
    assert.deepEqual(await ids({ DiskChargeType: 'prePay' }), [], 'every edgesnap disk is postpay');
    assert.deepEqual(await ids({ DiskType: 'ServiceDisk' }), []);
  });

  it('refuses DeleteDisk of an attached disk and deleting an instance that has disks', async () => {
    assert.deepEqual(await failure(call('DeleteDisk', { DiskId: diskId })), incorrectDisk(diskId));
    assert.deepEqual(adminFailure(await adminCall('DELETE', `/instances/${instance}`)), {
      status: 409, code: 'Admin.InstanceHasDisks',
      message: `The instance ${instance} still has disks attached: detach them first.`,
    });
    assert.equal((await disk(diskId)).Status, 'In-use');
  });

  it('ResetDisk: refused while the instance is Running, works once it is Stopped and the disk stays In-use', async () => {
    const snap = ((await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION })).SnapShotId as string[])[0]!;
    await server.jobs.drain();
    assert.deepEqual(await failure(call('ResetDisk', { DiskId: diskId, SnapshotId: snap })), incorrectInstance(instance));
    assert.equal((await disk(diskId)).Status, 'In-use');
    const stopped = await adminCall('POST', `/instances/${instance}/stop`);
    assert.equal((stopped.body.Instance as Body).Status, 'Stopped');
    await call('ResetDisk', { DiskId: diskId, SnapshotId: snap });
    assert.equal((await disk(diskId)).Status, 'ReIniting');
    await server.jobs.drain();
    const d = await disk(diskId);
    assert.deepEqual([d.Status, d.InstanceId], ['In-use', instance]);
    assert.equal(((await adminCall('POST', `/instances/${instance}/start`)).body.Instance as Body).Status, 'Running');
    assert.deepEqual(await failure(call('ResetDisk', { DiskId: diskId, SnapshotId: snap })), incorrectInstance(instance));
    // DescribeSnapshots InstanceId: the snapshots of the disks attached to it.
    const byInstance = async (id: string): Promise<unknown[]> =>
      ((await call('DescribeSnapshots', { InstanceId: id })).Snapshots as Body[]).map((x) => x.SnapshotId);
    assert.deepEqual(await byInstance(instance), [snap]);
    assert.deepEqual(await byInstance('i-nope'), []);
  });

  it('refuses DetachDisk from another instance, an unknown one, and of a disk that is not attached', async () => {
    const sibling = await register(REGION);
    assert.deepEqual(await failure(call('DetachDisk', { DiskId: diskId, InstanceId: sibling })), invalid('InstanceId'));
    assert.deepEqual(await failure(call('DetachDisk', { DiskId: diskId, InstanceId: 'i-nope' })), instanceNotFound('i-nope'));
    assert.deepEqual(await failure(call('DetachDisk', { DiskId: diskId })), missing('InstanceId'));
    assert.deepEqual(await failure(call('DetachDisk', { InstanceId: instance })), missing('DiskId'));
    const loose = await newDisk();
    assert.deepEqual(await failure(call('DetachDisk', { DiskId: loose, InstanceId: instance })), incorrectDisk(loose));
    assert.equal((await disk(diskId)).Status, 'In-use');
  });

  it('detaches: Detaching (still found by InstanceId), then Available and gone from the InstanceId filter', async () => {
    const res = await pop('DetachDisk', { DiskId: diskId, InstanceId: instance });
    assert.equal(res.Code, 0);
    let d = await disk(diskId);
    assert.deepEqual([d.Status, d.InstanceId], ['Detaching', instance]);
    assert.equal((await disks({ DiskId: diskId, InstanceId: instance })).length, 1);
    assert.deepEqual(await failure(call('DetachDisk', { DiskId: diskId, InstanceId: instance })), incorrectDisk(diskId));
    await server.jobs.drain();
    d = await disk(diskId);
    assert.deepEqual([d.Status, d.InstanceId, d.InstanceName, d.DeleteWithInstance], ['Available', '', '', false]);
    assert.deepEqual(await disks({ DiskId: diskId, InstanceId: instance }), []);
  });

  it('a disk whose ResetDisk failed while attached is detached at once, stays Failed and can be deleted', async () => {
    const d = await newDisk();
    const uri = nbdUri(server.nbd.host, server.nbd.port, d);
    await qemuIo(uri, 'write -P 0x11 0 1M');
    const snap = ((await call('CreateSnapshot', { DiskId: d, EnsRegionId: REGION })).SnapShotId as string[])[0]!;
    await server.jobs.drain();
    await qemuIo(uri, 'write -P 0x22 0 1M');
    await call('AttachDisk', { DiskId: d, InstanceId: instance });
    await server.jobs.drain();
    await adminCall('POST', `/instances/${instance}/stop`);
    // Damage every stored chunk of the region: the rollback's SHA-256 check fails for good.
    const chunks = join(dir.path, 'engine', REGION, 'chunks');
    for (const digest of await storedDigests(chunks)) {
      const chunk = await mustFindChunk(chunks, digest);
      await chunk.write(Buffer.from('damaged '.repeat(chunk.length).slice(0, chunk.length)));
    }
    await call('ResetDisk', { DiskId: d, SnapshotId: snap });
    await server.jobs.drain();
    assert.deepEqual([(await disk(d)).Status, (await disk(d)).InstanceId], ['Failed', instance]);
    assert.deepEqual(await failure(call('DeleteDisk', { DiskId: d })), incorrectDisk(d), 'still attached');
    assert.equal((await call('DetachDisk', { DiskId: d, InstanceId: instance })).Code, 0);
    assert.deepEqual([(await disk(d)).Status, (await disk(d)).InstanceId], ['Failed', '']);
    await call('DeleteDisk', { DiskId: d });
    await call('DeleteSnapshot', { SnapshotId: snap });
    await server.jobs.drain();
  });

  it('deletes an instance without disks; it is gone for the admin API and AttachDisk', async () => {
    const res = await adminCall('DELETE', `/instances/${instance}`);
    assert.equal(res.status, 200);
    assert.ok(!((await adminCall('GET', '/instances')).body.Instances as Body[]).some((i) => i.InstanceId === instance));
    assert.deepEqual(adminFailure(await adminCall('DELETE', `/instances/${instance}`)), instanceNotFound(instance));
    assert.deepEqual(await failure(call('AttachDisk', { DiskId: diskId, InstanceId: instance })), instanceNotFound(instance));
    await call('DeleteDisk', { DiskId: diskId });
  });
});
