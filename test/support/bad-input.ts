/**
 * The bad-input suites' shared parts: a server with a few resources of the root
 * account and of a second account, case builders per kind of field, and a
 * runner that checks every case's exact answer and, at the end, that nothing
 * changed. Cases name resources by placeholders (`<disk>`, `<otherSnap>`…)
 * because tests are declared before the server exists.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningEdgesnap } from '../../src/main.js';
import type { NewAccount } from '../../src/services/accounts.js';
import { SqliteMetadataStore } from '../../src/store/sqlite/sqlite-store.js';
import { coreClient, popClient, type Body, type Call } from './clients.js';
import { failure, invalid, missing, type Failure } from './failures.js';
import { eventually, startTestServer, tempDir, TEST_CREDENTIALS } from './server.js';

export const REGION = 'cn-hangzhou-telecom';
export const OTHER_REGION = 'cn-shenzhen-3';
export const long = (n: number, c = 'a'): string => c.repeat(n);
/** 100 KB: far over every field's limit, still under the 1 MiB body limit (sent in a form body). */
export const HUGE = long(100 * 1024);

/** Placeholders for the world's resources, filled in when a case runs. */
export const DISK = '<disk>'; // root's disk in REGION, tagged, with SNAP
export const SNAP = '<snap>';
export const DISK_B = '<diskB>'; // root's disk in OTHER_REGION, no snapshot
export const OTHER_DISK = '<otherDisk>'; // the second account's disk in REGION, tagged, with OTHER_SNAP
export const OTHER_SNAP = '<otherSnap>';
export const GONE_DISK = '<goneDisk>'; // root's disk, deleted
export const GONE_SNAP = '<goneSnap>'; // root's snapshot of DISK, deleted
export const INST = '<inst>'; // root's instance in REGION (nothing attached)
export const INST_B = '<instB>'; // root's instance in OTHER_REGION
export const OTHER_INST = '<otherInst>'; // the second account's instance in REGION

export type Params = Record<string, string>;

export const instanceNotFound = (id: string): Failure => ({
  status: 404, code: 'InstanceIdNotFound', message: `The specified instance ${id} does not exist.`,
});
export const incorrectDiskStatus = (id: string): Failure => ({
  status: 400, code: 'IncorrectDiskStatus', message: `The current status of the disk ${id} does not support this operation.`,
});

export interface Case {
  action: string;
  params: Params;
  expected: Failure;
  /** `pop`: pop-core POST, parameters in a form body (for values too long for a URL). Default: openapi-core. */
  via?: 'core' | 'pop';
  /** Set when edgesnap is known to answer wrongly and the fix belongs to another file (node:test todo). */
  todo?: string;
}

export const bad = (action: string, params: Params, expected: Failure, extra: Partial<Case> = {}): Case =>
  ({ action, params, expected, ...extra });

/**
 * A resource id field: malformed values are `InvalidParameter.<field>`; when
 * `required`, absent or empty is `Missing<field>`. The 100 KB value goes in a form body.
 */
export function idCases(action: string, base: Params, field: string, required: boolean): Case[] {
  const without = Object.fromEntries(Object.entries(base).filter(([k]) => k !== field));
  const cases = ['d- x', 'd-\u00fc', 'd-\u4e2d\u6587', long(65), '["d-1"]', 'd-1,d-2', 'd-<x>', '../d-1']
    .map((v) => bad(action, { ...base, [field]: v }, invalid(field)));
  cases.push(bad(action, { ...base, [field]: HUGE }, invalid(field), { via: 'pop' }));
  if (required) cases.push(bad(action, without, missing(field)), bad(action, { ...base, [field]: '' }, missing(field)));
  return cases;
}

/** A name field (SnapshotName/DiskName): 2–128 characters, a letter first, letters, digits, `:_.-`. */
export function nameCases(action: string, base: Params, field: string): Case[] {
  return ['a', long(129), '1abc', '_abc', 'http://x', 'https://x', 'bad name', 'bad!', 'a/b', 'tab\tx', 'ab\u0000', HUGE]
    .map((v) => bad(action, { ...base, [field]: v }, invalid(field), v === HUGE ? { via: 'pop' } : {}));
}

/** Values holding a character that XML 1.0 cannot carry (a NUL, an escape, DEL, U+FFFF). */
export const CONTROLS = ['ab\u0000c', 'ab\u001bc', 'ab\u007f', 'ab\uffff'];

/** A description: 2–256 characters, not starting with http:// or https://. */
export function descriptionCases(action: string, base: Params, field = 'Description'): Case[] {
  return ['x', long(257), 'http://example.com', 'HTTPS://example.com', ...CONTROLS, HUGE]
    .map((v) => bad(action, { ...base, [field]: v }, invalid(field), v === HUGE ? { via: 'pop' } : {}));
}

/** An integer field: only base-10 digits within [min, max]. */
export function integerCases(action: string, base: Params, field: string, over: string): Case[] {
  return ['ten', '1.5', '-1', '0', '1e3', '0x10', ' 5', '5 ', '[5]', 'true', over, long(40, '9')]
    .map((v) => bad(action, { ...base, [field]: v }, invalid(field)));
}

/** A list given as a JSON array in a string: bad JSON, not an array, non-strings, bad ids, too many. */
export function idListCases(action: string, base: Params, field: string, maxItems: number, itemField = field): Case[] {
  const many = JSON.stringify(Array.from({ length: maxItems + 1 }, (_, i) => `x-${i}`));
  return [
    ...['["a",', '{"a":1}', '[1,2]', '[null]', '[["a"]]', '[true]', many].map((v) => bad(action, { ...base, [field]: v }, invalid(field))),
    ...['[""]', '["a b"]', `["${long(65)}"]`].map((v) => bad(action, { ...base, [field]: v }, invalid(itemField))),
  ];
}

/** One of a fixed set of values, exactly as spelled. */
export function enumCases(action: string, base: Params, field: string, wrong: readonly string[]): Case[] {
  return wrong.map((v) => bad(action, { ...base, [field]: v }, invalid(field)));
}

export interface World {
  server: RunningEdgesnap;
  /** A second connection to the server's metadata, to count orders (no action lists them). */
  store: SqliteMetadataStore;
  /** The root account through openapi-core, and through pop-core POST (form body). */
  call: Call;
  pop: Call;
  other: NewAccount & { call: Call };
  ids: Record<string, string>;
}

async function createDisk(call: Call, region: string, tag: string): Promise<string> {
  const res = await call('CreateDisk', {
    EnsRegionId: region, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid', 'Tag.1.Key': 'owner', 'Tag.1.Value': tag,
  });
  const id = (res.InstanceIds as string[])[0]!;
  await eventually(async () => {
    const d = ((await call('DescribeDisks', { DiskId: id })).Disks as { Disks: Body[] }).Disks[0];
    return d?.Status === 'Available' ? d : undefined;
  }, `disk ${id} available`);
  return id;
}

async function createSnapshot(call: Call, diskId: string): Promise<string> {
  const id = ((await call('CreateSnapshot', { DiskId: diskId, EnsRegionId: REGION, SnapshotName: 'keep' })).SnapShotId as string[])[0]!;
  await eventually(async () => {
    const s = ((await call('DescribeSnapshots', { SnapshotId: id })).Snapshots as Body[])[0];
    return s?.Status === 'available' ? s : undefined;
  }, `snapshot ${id} available`);
  return id;
}

export async function openWorld(server: RunningEdgesnap, dataDir: string): Promise<World> {
  const endpoint = `${server.api.host}:${server.api.port}`;
  const call = coreClient(endpoint, TEST_CREDENTIALS);
  const account = await server.services.accounts.createAccount('second');
  const otherCall = coreClient(endpoint, account);
  const disk = await createDisk(call, REGION, 'root');
  const otherDisk = await createDisk(otherCall, REGION, 'other');
  const ids: Record<string, string> = {
    [DISK]: disk, [SNAP]: await createSnapshot(call, disk), [DISK_B]: await createDisk(call, OTHER_REGION, 'root-b'),
    [OTHER_DISK]: otherDisk, [OTHER_SNAP]: await createSnapshot(otherCall, otherDisk),
    [INST]: (await server.services.instances.register({ regionId: REGION, name: 'vm' })).id,
    [INST_B]: (await server.services.instances.register({ regionId: OTHER_REGION, name: 'vm-b' })).id,
    [OTHER_INST]: (await server.services.instances.register({ accountId: account.accountId, regionId: REGION })).id,
  };
  ids[GONE_DISK] = await createDisk(call, REGION, 'gone');
  await call('DeleteDisk', { DiskId: ids[GONE_DISK] });
  ids[GONE_SNAP] = await createSnapshot(call, disk);
  await call('DeleteSnapshot', { SnapshotId: ids[GONE_SNAP] });
  const store = new SqliteMetadataStore(join(dataDir, 'metadata.db'));
  return { server, store, call, pop: popClient(endpoint, TEST_CREDENTIALS, 'POST'), other: { ...account, call: otherCall }, ids };
}

/** Replaces the placeholders in a string with the world's ids. */
export function fill(w: World, s: string): string {
  return s.replace(/<(disk|snap|diskB|otherDisk|otherSnap|goneDisk|goneSnap|inst|instB|otherInst)>/g, (m) => w.ids[m] ?? m);
}

/** What an account sees (disks, snapshots, tags) and its orders, as one string to compare. */
export async function inventory(w: World): Promise<string> {
  const one = async (call: Call, accountId: string): Promise<unknown[]> => [
    (await call('DescribeDisks', { PageSize: '50' })).Disks,
    (await call('DescribeSnapshots', { PageSize: '100' })).Snapshots,
    (await call('ListTagResources', { ResourceType: 'disk' })).TagResources,
    (await w.store.transaction((tx) => tx.listOrders(accountId))).map((o) => o.id),
  ];
  return JSON.stringify([await one(w.call, w.server.accountId), await one(w.other.call, w.other.accountId)]);
}

export async function runCase(w: World, c: Case): Promise<void> {
  const params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, fill(w, v)]));
  const client = c.via === 'pop' ? w.pop : w.call;
  const expected = { ...c.expected, message: fill(w, c.expected.message) };
  assert.deepEqual(await failure(client(c.action, params)), expected);
}

const caseName = (c: Case): string => {
  const shown = JSON.stringify(c.params, (_k, v: unknown) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 12)}…(${v.length})` : v));
  return `${c.action} ${shown} → ${c.expected.status} ${c.expected.code}${c.via === 'pop' ? ' (form body)' : ''}`;
};

/** A suite: one test per case, then one checking that no case changed anything. */
export function badInputSuite(title: string, cases: readonly Case[], extra?: (world: () => World) => void): void {
  describe(title, { timeout: 300_000 }, () => {
    let dir: { path: string; remove: () => Promise<void> };
    let world: World;
    let start = '';
    before(async () => {
      dir = await tempDir('edgesnap-bad-');
      world = await openWorld(await startTestServer(dir.path), dir.path);
      start = await inventory(world);
    });
    after(async () => {
      await world?.store.close();
      await world?.server.close();
      await dir?.remove();
    });
    for (const c of cases) it(caseName(c), { todo: c.todo }, () => runCase(world, c));
    extra?.(() => world);
    it('nothing was created, changed or deleted in either account', async () => {
      assert.equal(await inventory(world), start);
    });
  });
}
