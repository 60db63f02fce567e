import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../kernel/clock.js';
import { seededIds } from '../../kernel/ids.js';
import { SqliteMetadataStore } from '../../store/sqlite/sqlite-store.js';
import { enqueueJob, JobRunner } from './job-runner.js';
import { JobModes, REALISTIC_BASE_MS, REALISTIC_MS_PER_GIB, type JobMode } from './job-modes.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await probe()) return;
    await tick();
  }
  throw new Error('condition never held');
}

async function setup(mode: JobMode) {
  const store = new SqliteMetadataStore(':memory:');
  await store.migrate();
  const clock = new ManualClock('2026-11-28T00:00:00Z');
  const ids = seededIds(3);
  const ran: string[] = [];
  const modes = new JobModes(store, mode);
  const runner = new JobRunner({
    store, clock, ids, pollMs: 1_000_000, pacing: modes.pacing,
    handlers: { 'disk.create': { run: async (p) => void ran.push(String(p.diskId)) }, 'disk.attach': { run: async () => undefined } },
  });
  modes.attach(runner);
  const enqueue = async (type: string, payload: Record<string, unknown>): Promise<string> => {
    const id = await store.transaction((tx) => enqueueJob(tx, ids, clock.now(), type, payload));
    runner.kick();
    return id;
  };
  const status = async (id: string): Promise<string | undefined> => (await store.transaction((tx) => tx.getJob(id)))?.status;
  return { store, clock, runner, modes, ran, enqueue, status };
}

describe('JobModes', () => {
  it('manual: nothing runs until settle; immediate: workers run jobs by themselves', async () => {
    const t = await setup('manual');
    const job = await t.enqueue('disk.create', { diskId: 'd-1' });
    for (let i = 0; i < 20; i++) await tick();
    assert.equal(await t.status(job), 'queued');
    assert.equal(await t.modes.settle(), 1);
    assert.deepEqual(t.ran, ['d-1']);
    await t.modes.setMode('immediate');
    const next = await t.enqueue('disk.create', { diskId: 'd-2' });
    await until(async () => (await t.status(next)) === 'done');
    await t.modes.setMode('manual');
    assert.equal(t.runner.running, false);
    await t.runner.stop();
    await t.store.close();
  });

  it('realistic: each job waits its documented time on the clock', async () => {
    const t = await setup('realistic');
    await t.store.transaction(async (tx) => {
      await tx.insertAccount({ id: 'a', name: 'a', createdAt: t.clock.now() });
      await tx.insertDisk({
      id: 'd-9', accountId: 'a', regionId: 'r', name: '', description: '', category: 'cloud_ssd', sizeBytes: 3 * 2 ** 30,
      status: 'Creating', diskType: '2', chargeType: 'postpay', sourceSnapshotId: '', instanceId: '',
      deleteWithInstance: false, createdAt: t.clock.now(), deletedAt: null,
      });
    });
    const job = await t.enqueue('disk.create', { diskId: 'd-9' });
    const expected = REALISTIC_BASE_MS + 3 * REALISTIC_MS_PER_GIB;
    for (let i = 0; i < 50; i++) await tick();
    t.clock.advance(expected - 1);
    for (let i = 0; i < 50; i++) await tick();
    assert.notEqual(await t.status(job), 'done', 'not before its time');
    t.clock.advance(1);
    await until(async () => (await t.status(job)) === 'done');
    assert.equal(await t.modes.pacing({ type: 'disk.attach' } as never), REALISTIC_BASE_MS);
    await t.modes.setMode('immediate');
    assert.equal(await t.modes.pacing({ type: 'disk.create', payload: { diskId: 'd-9' } } as never), 0);
    await t.runner.stop();
    await t.store.close();
  });

  it('halt aborts the job in hand and resume starts the workers again', async () => {
    const t = await setup('immediate');
    await t.modes.halt();
    assert.equal(t.runner.running, false);
    const job = await t.enqueue('disk.create', { diskId: 'd-3' });
    for (let i = 0; i < 20; i++) await tick();
    assert.equal(await t.status(job), 'queued');
    t.modes.resume();
    await until(async () => (await t.status(job)) === 'done');
    await t.runner.stop();
    await t.store.close();
  });

  it('switching to manual while a job waits its realistic time leaves it queued, for settle', async () => {
    const t = await setup('realistic');
    const job = await t.enqueue('disk.attach', {});
    await until(async () => (await t.status(job)) === 'running');
    await t.modes.setMode('manual'); // returns although the clock never moves
    assert.equal(await t.status(job), 'queued');
    assert.equal(await t.modes.settle(), 1);
    assert.equal(await t.status(job), 'done');
    await t.runner.stop();
    await t.store.close();
  });
});
