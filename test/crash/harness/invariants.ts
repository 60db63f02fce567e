/**
 * What must hold after every restart, whatever moment the process was killed at:
 * - nothing stays in flight: every snapshot settles `available` or `error`, no disk stays `Creating`/`ReIniting`;
 * - every `available` snapshot has its manifest, and no manifest references a missing chunk (read from
 *   `<data>/engine/<region>/manifests/*.json` and `chunks/`, the layout src/engine/README.md documents);
 * - orders agree with resources: every snapshot has exactly one CreateSnapshot/CopySnapshot order, every disk
 *   exactly one CreateDisk order, every order's resource exists (or was deleted by the suite);
 * - the balance is minus the sum of the ledger (no charge lost or applied twice), and no (resource, hour) twice.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { until, type Api, type DiskRow, type SnapshotRow } from './api.js';
import { chunksDirOf, names } from './chunk-files.js';
import { decodeChunk } from '../../../src/engine/chunks/codec.js';
import { StoredChunks } from '../../../src/engine/testing/stored-chunks.js';

const TRANSIENT = new Set(['creating', 'Creating', 'ReIniting', 'Attaching', 'Detaching']);

export interface World {
  snapshots: SnapshotRow[];
  disks: DiskRow[];
}

/** Waits until nothing is in flight, then answers the snapshots and disks. */
export async function settle(api: Api): Promise<World> {
  return until(async () => {
    const snapshots = await api.snapshots();
    const disks = await api.disks();
    const busy = [...snapshots.map((s) => s.Status), ...disks.map((d) => d.Status)].some((s) => TRANSIENT.has(s));
    return busy ? undefined : { snapshots, disks };
  }, 'every snapshot and disk to settle');
}

/** Chunk digests a manifest references: its `chunks` list (null = a zero chunk, never stored). */
function referencedDigests(manifest: Record<string, unknown>): string[] {
  const chunks = manifest.chunks;
  assert.ok(Array.isArray(chunks), 'a manifest lists its chunks');
  return (chunks as unknown[]).filter((d): d is string => typeof d === 'string');
}

/** Every manifest of every region: parsed, and each referenced chunk stored, readable and intact. Answers manifest ids per region. */
export async function checkManifests(dataDir: string): Promise<Map<string, Set<string>>> {
  const byRegion = new Map<string, Set<string>>();
  const engineDir = join(dataDir, 'engine');
  for (const region of await names(engineDir)) {
    const ids = new Set<string>();
    byRegion.set(region, ids);
    const stored = await StoredChunks.load(chunksDirOf(dataDir, region));
    for (const file of await names(join(engineDir, region, 'manifests'))) {
      if (!file.endsWith('.json')) continue;
      const text = await readFile(join(engineDir, region, 'manifests', file), 'utf8');
      const manifest = JSON.parse(text) as Record<string, unknown>;
      ids.add(file.slice(0, -'.json'.length));
      for (const digest of new Set(referencedDigests(manifest))) {
        const chunk = await stored.find(digest);
        assert.ok(chunk, `${region}/manifests/${file} references chunk ${digest}, which is missing`);
        const bytes = decodeChunk(await chunk.read());
        assert.equal(createHash('sha256').update(bytes).digest('hex'), digest,
          `${region}/manifests/${file}: the stored bytes of chunk ${digest} are damaged`);
      }
    }
  }
  return byRegion;
}

/** Orders against resources; `deleted` are ids the suite asked to delete (their orders stay, as records). */
export async function checkOrders(api: Api, world: World, deleted: ReadonlySet<string>): Promise<number> {
  const orders = await api.orders();
  const count = (id: string, actions: readonly string[]): number =>
    orders.filter((o) => o.ResourceId === id && actions.includes(o.Action)).length;
  for (const s of world.snapshots) {
    assert.equal(count(s.SnapshotId, ['CreateSnapshot', 'CopySnapshot']), 1, `snapshot ${s.SnapshotId} has exactly one order`);
  }
  for (const d of world.disks) assert.equal(count(d.DiskId, ['CreateDisk']), 1, `disk ${d.DiskId} has exactly one order`);
  const live = new Set([...world.snapshots.map((s) => s.SnapshotId), ...world.disks.map((d) => d.DiskId)]);
  for (const o of orders) {
    assert.ok(live.has(o.ResourceId) || deleted.has(o.ResourceId),
      `order ${o.OrderId} (${o.Action}) is for ${o.ResourceId}, which exists nowhere and was never deleted`);
  }
  return orders.length;
}

/** Balance = −(sum of the ledger) for every account (nobody tops up in these suites); no (resource, hour) twice. */
export async function checkLedger(api: Api): Promise<void> {
  const ledger = (await api.admin('GET', '/ledger')).Ledger as { AccountId: string; ResourceId: string; HourStart: string; AmountMilli: number }[];
  const keys = ledger.map((r) => `${r.ResourceId}@${r.HourStart}`);
  assert.equal(new Set(keys).size, keys.length, 'no resource is charged twice for one hour');
  const accounts = (await api.admin('GET', '/accounts')).Accounts as { AccountId: string }[];
  for (const { AccountId } of accounts) {
    const profile = (await api.admin('GET', `/accounts/${AccountId}/billing`)).BillingProfile as { BalanceMilli: number };
    const charged = ledger.filter((r) => r.AccountId === AccountId).reduce((sum, r) => sum - r.AmountMilli, 0);
    assert.equal(profile.BalanceMilli, charged, `account ${AccountId}: balance is minus the ledger`);
  }
}

/** All of the above; answers the settled world for the trial's own checks. */
export async function checkInvariants(api: Api, dataDir: string, deleted: ReadonlySet<string>): Promise<World> {
  const world = await settle(api);
  for (const s of world.snapshots) {
    assert.ok(s.Status === 'available' || s.Status === 'error', `snapshot ${s.SnapshotId} settled as ${s.Status}`);
  }
  const manifests = await checkManifests(dataDir);
  for (const s of world.snapshots.filter((x) => x.Status === 'available')) {
    assert.ok(manifests.get(s.EnsRegionId)?.has(s.SnapshotId), `available snapshot ${s.SnapshotId} has a manifest`);
  }
  await checkOrders(api, world, deleted);
  await checkLedger(api);
  return world;
}
