// The walk of the README, runnable: `node examples/walk.mjs` against a running `npm start`
// (reads data/credentials.json, or EDGESNAP_ROOT_ACCESS_KEY_ID/_SECRET; needs qemu-io from qemu-utils).
import Client, { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const creds = process.env.EDGESNAP_ROOT_ACCESS_KEY_ID
  ? { accessKeyId: process.env.EDGESNAP_ROOT_ACCESS_KEY_ID, accessKeySecret: process.env.EDGESNAP_ROOT_ACCESS_KEY_SECRET }
  : JSON.parse(readFileSync('data/credentials.json', 'utf8'));
const client = new Client.default(new $OpenApiUtil.Config({ ...creds, endpoint: '127.0.0.1:8787', protocol: 'http' }));
const ens = async (action, query = {}) => (await client.callApi(new $OpenApiUtil.Params({ action, version: '2017-11-10',
  protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' }),
new $OpenApiUtil.OpenApiRequest({ query }), new $dara.RuntimeOptions({}))).body;
const until = async (probe) => { while (!(await probe())) await new Promise((r) => setTimeout(r, 500)); };
const disk = async (id) => (await ens('DescribeDisks', { DiskId: id })).Disks.Disks[0];
const qemuIo = (id, cmd) => {
  const out = execFileSync('qemu-io', ['-f', 'raw', `nbd://127.0.0.1:10809/${id}`, '-c', cmd]).toString().trim();
  if (/Pattern verification failed|error/i.test(out)) throw new Error(`qemu-io ${cmd}: ${out}`);
  return out;
};
const region = 'cn-hangzhou-telecom';

const { InstanceIds: [src] } = await ens('CreateDisk', { EnsRegionId: region, Category: 'cloud_ssd', Size: '20', InstanceChargeType: 'PostPaid' });
await until(async () => (await disk(src)).Status === 'Available');
console.log('disk', src, 'Available;', qemuIo(src, 'write -P 0x11 0 4M').split('\n')[0]);
const { SnapShotId: [snap], OrderId } = await ens('CreateSnapshot', { EnsRegionId: region, DiskId: src, SnapshotName: 'walk' });
console.log('snapshot', snap, 'order', OrderId, '; writing after it:', qemuIo(src, 'write -P 0x22 0 4M').split('\n')[0]);
await until(async () => (await ens('DescribeSnapshots', { SnapshotId: snap })).Snapshots[0].Status === 'available');
const { InstanceIds: [copy] } = await ens('CreateDisk', { EnsRegionId: region, Category: 'cloud_ssd', SnapshotId: snap, InstanceChargeType: 'PostPaid' });
await until(async () => (await disk(copy)).Status === 'Available');
console.log('restored', copy, 'holds the point-in-time bytes:', qemuIo(copy, 'read -P 0x11 0 4M').split('\n')[0]);
await ens('DeleteSnapshot', { SnapshotId: snap });
for (const id of [copy, src]) await ens('DeleteDisk', { DiskId: id });
console.log('deleted; disks left:', (await ens('DescribeDisks')).TotalCount);
