#!/usr/bin/env node
// `npm run load`: signed DescribeSnapshots and CreateSnapshot traffic against edgesnap run as its own process, and a
// bare fastify route as the reference, from this (separate) process with autocannon; loopback only, bounded.
// Then the metadata's consistency. Environment: LOAD_SECONDS (per run, default 10), LOAD_CONNECTIONS (4),
// LOAD_DISKS (48), EDGESNAP_BUILD (the compiled tree to run, default dist). Exit status 1 on any unexpected
// error or inconsistency. Figures: docs/reliability.md, "Load".
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cannon, printTable } from './cannon.mjs';
import { admin, checkConsistency } from './consistency.mjs';
import { startEdgesnap, startReference, stop } from './processes.mjs';
import { mustCall, signedRequest } from './signer.mjs';

const REGION = 'cn-hangzhou-telecom';
const seconds = Number(process.env.LOAD_SECONDS ?? 10);
const connections = Number(process.env.LOAD_CONNECTIONS ?? 4);
const diskCount = Number(process.env.LOAD_DISKS ?? 48);
const buildDir = resolve(import.meta.dirname, '../..', process.env.EDGESNAP_BUILD ?? 'dist');
const log = (msg) => console.error(`[load] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Quotas high enough that the run measures the service, not the quota checks; then the disks, Available. */
async function prepare(endpoint) {
  const { Accounts: [root] } = await admin(endpoint, 'GET', '/accounts');
  await admin(endpoint, 'PUT', `/accounts/${root.AccountId}/quotas`,
    { snapshotsPerDisk: 1_000_000, snapshotsPerRegion: 10_000_000, snapshotCapacityBytes: 2 ** 50 });
  const disks = [];
  for (let i = 0; i < diskCount; i++) {
    const body = await mustCall(endpoint, 'CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '20', InstanceChargeType: 'PostPaid' });
    disks.push(body.InstanceIds[0]);
  }
  for (;;) {
    const body = await mustCall(endpoint, 'DescribeDisks', { EnsRegionId: REGION, PageSize: '50' });
    if (body.Disks.Disks.every((d) => d.Status === 'Available')) return disks;
    await sleep(200);
  }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgesnap-load-'));
  log(`edgesnap from ${buildDir}; data in ${dataDir}; ${seconds} s per run, ${connections} connections, ${diskCount} disks`);
  const edgesnap = await startEdgesnap(buildDir, dataDir);
  const reference = await startReference();
  try {
    const disks = await prepare(edgesnap.endpoint);
    let next = 0;
    const runs = [];
    log('CreateSnapshot (signed HMAC-SHA1, round robin over the disks)');
    runs.push(await cannon({
      label: 'edgesnap CreateSnapshot', url: `http://${edgesnap.endpoint}`, seconds, connections,
      makeRequest: () => signedRequest('CreateSnapshot', { EnsRegionId: REGION, DiskId: disks[next++ % disks.length] }),
    }));
    log('DescribeSnapshots (signed HMAC-SHA1, first page of everything just created)');
    runs.push(await cannon({
      label: 'edgesnap DescribeSnapshots', url: `http://${edgesnap.endpoint}`, seconds, connections,
      makeRequest: () => signedRequest('DescribeSnapshots', { EnsRegionId: REGION }),
    }));
    log('reference: a bare fastify route, same machine, same client');
    runs.push(await cannon({
      label: 'fastify bare route', url: `http://${reference.endpoint}`, seconds, connections,
      makeRequest: () => ({ method: 'POST', path: '/', headers: {}, body: undefined }),
    }));
    console.log(`\n${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${seconds} s per run, ` +
      `${connections} connections, loopback\n`);
    printTable(runs.map((r) => r.row));
    for (const r of runs.filter((x) => Object.keys(x.codes).length > 0)) console.log(`${r.row.label} refusals: ${JSON.stringify(r.codes)}`);
    const consistency = await checkConsistency(edgesnap.endpoint, runs[0].row.ok);
    console.log(`\nmetadata after the load: ${consistency.lines.join('\n')}`);
    const unexpected = runs.reduce((n, r) => n + r.row.unexpectedErrors, 0);
    if (unexpected > 0 || !consistency.ok) process.exitCode = 1;
  } finally {
    await stop(edgesnap.child);
    await stop(reference.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
