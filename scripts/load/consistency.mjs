// Metadata consistency after the load: every snapshot has exactly one order, every order its resource, and the
// number of snapshots is the number of CreateSnapshot calls answered 2xx (nothing lost, nothing doubled).
import { ADMIN_TOKEN } from './processes.mjs';
import { mustCall } from './signer.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function allSnapshots(endpoint) {
  const rows = [];
  for (let page = 1; ; page++) {
    const body = await mustCall(endpoint, 'DescribeSnapshots', { PageNumber: String(page), PageSize: '100' });
    rows.push(...body.Snapshots);
    if (body.Snapshots.length < 100) return rows;
  }
}

async function allDisks(endpoint) {
  const rows = [];
  for (let page = 1; ; page++) {
    const body = await mustCall(endpoint, 'DescribeDisks', { PageNumber: String(page), PageSize: '50' });
    rows.push(...body.Disks.Disks);
    if (body.Disks.Disks.length < 50) return rows;
  }
}

export async function admin(endpoint, method, path, body) {
  const res = await fetch(`http://${endpoint}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const parsed = JSON.parse(await res.text());
  if (res.status >= 300) throw new Error(`admin ${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

/** Every way the orders and the resources disagree, as sentences. */
function findProblems(snapshots, disks, orders, createdOk) {
  const problems = [];
  const ordersOf = new Map();
  for (const o of orders) ordersOf.set(o.ResourceId, [...(ordersOf.get(o.ResourceId) ?? []), o]);
  for (const s of snapshots) {
    const n = (ordersOf.get(s.SnapshotId) ?? []).filter((o) => o.Action === 'CreateSnapshot').length;
    if (n !== 1) problems.push(`snapshot ${s.SnapshotId} has ${n} CreateSnapshot orders`);
  }
  for (const d of disks) {
    const n = (ordersOf.get(d.DiskId) ?? []).filter((o) => o.Action === 'CreateDisk').length;
    if (n !== 1) problems.push(`disk ${d.DiskId} has ${n} CreateDisk orders`);
  }
  const live = new Set([...snapshots.map((s) => s.SnapshotId), ...disks.map((d) => d.DiskId)]);
  for (const o of orders.filter((x) => !live.has(x.ResourceId))) problems.push(`order ${o.OrderId} (${o.Action}) has no resource`);
  if (snapshots.length !== createdOk) problems.push(`${snapshots.length} snapshots, but ${createdOk} CreateSnapshot calls answered 2xx`);
  return problems;
}

/** Waits for snapshots to leave `creating`, then checks; answers `{ ok, lines }`. */
export async function checkConsistency(endpoint, createdOk) {
  let snapshots = await allSnapshots(endpoint);
  for (let i = 0; i < 600 && snapshots.some((s) => s.Status === 'creating'); i++) {
    await sleep(200);
    snapshots = await allSnapshots(endpoint);
  }
  const disks = await allDisks(endpoint);
  const { Orders: orders } = await admin(endpoint, 'GET', '/orders');
  const problems = findProblems(snapshots, disks, orders, createdOk);
  const byStatus = {};
  for (const s of snapshots) byStatus[s.Status] = (byStatus[s.Status] ?? 0) + 1;
  const lines = [
    `snapshots: ${snapshots.length} (${Object.entries(byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}); ` +
      `disks: ${disks.length}; orders: ${orders.length}; CreateSnapshot answered 2xx: ${createdOk}`,
    problems.length === 0
      ? 'consistent: every snapshot and disk has exactly one order, every order its resource, no snapshot lost or doubled'
      : `INCONSISTENT (${problems.length}):\n  ${problems.slice(0, 20).join('\n  ')}`,
  ];
  return { ok: problems.length === 0, lines };
}
