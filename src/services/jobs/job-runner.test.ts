import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../kernel/clock.js';
import { seededIds } from '../../kernel/ids.js';
import { SqliteMetadataStore } from '../../store/sqlite/sqlite-store.js';
import { enqueueJob, JobRunner, PermanentJobError, type JobHandler } from './job-runner.js';

async function setup(handler: JobHandler, maxAttempts = 3) {
  const store = new SqliteMetadataStore(':memory:');
  await store.migrate();
  const clock = new ManualClock('2026-11-28T00:00:00Z');
  const ids = seededIds(7);
  const jobId = await store.transaction((tx) => enqueueJob(tx, ids, clock.now(), 't', { n: 1 }, maxAttempts));
  const runner = new JobRunner({ store, clock, ids, handlers: { t: handler }, backoffMs: (a) => 1000 * a });
  const job = () => store.transaction((tx) => tx.getJob(jobId));
  return { store, clock, ids, runner, job };
}

describe('JobRunner', () => {
  it('retries with backoff until the handler succeeds', async () => {
    let calls = 0;
    const { runner, clock, job, store } = await setup({
      run: async (payload) => {
        assert.deepEqual(payload, { n: 1 });
        if (++calls < 3) throw new Error(`fail ${calls}`);
      },
    });
    assert.equal(await runner.drain(), 1);
    assert.equal((await job())?.status, 'queued');
    assert.equal((await job())?.lastError, 'fail 1');
    assert.equal(await runner.drain(), 0, 'not due before its backoff');
    clock.advance(1000);
    assert.equal(await runner.drain(), 1);
    clock.advance(1999);
    assert.equal(await runner.drain(), 0);
    clock.advance(1);
    assert.equal(await runner.drain(), 1);
    assert.equal((await job())?.status, 'done');
    assert.equal((await job())?.attempts, 3);
    assert.equal(calls, 3);
    await store.close();
  });

  it('gives up after maxAttempts and calls onFailed once', async () => {
    const failed: string[] = [];
    const { runner, clock, job, store } = await setup({
      run: async () => {
        throw new Error('always');
      },
      onFailed: async (_p, error) => void failed.push(error),
    }, 2);
    await runner.drain();
    clock.advance(10_000);
    await runner.drain();
    clock.advance(10_000);
    assert.equal(await runner.drain(), 0);
    assert.equal((await job())?.status, 'failed');
    assert.deepEqual(failed, ['always']);
    await store.close();
  });

  it('a permanent error fails at once', async () => {
    const failed: string[] = [];
    const { runner, job, store } = await setup({
      run: async () => {
        throw new PermanentJobError('cannot ever work');
      },
      onFailed: async (_p, error) => void failed.push(error),
    });
    await runner.drain();
    assert.equal((await job())?.status, 'failed');
    assert.equal((await job())?.attempts, 1);
    assert.deepEqual(failed, ['cannot ever work']);
    await store.close();
  });

  it('resumes a job whose worker died (lease released at start-up)', async () => {
    let ran = 0;
    const { runner, clock, job, store } = await setup({ run: async () => void ran++ });
    await store.transaction((tx) => tx.claimJob('dead-worker', clock.now(), 60_000));
    assert.equal(await runner.drain(), 0, 'leased by the dead worker');
    await store.transaction((tx) => tx.releaseAllLeases(clock.now()));
    assert.equal(await runner.drain(), 1);
    assert.equal(ran, 1);
    assert.equal((await job())?.status, 'done');
    await store.close();
  });

  it('a job without a handler fails instead of looping', async () => {
    const { runner, store, clock, ids } = await setup({ run: async () => undefined }, 1);
    const id = await store.transaction((tx) => enqueueJob(tx, ids, clock.now(), 'unknown', {}, 1));
    await runner.drain();
    const j = await store.transaction((tx) => tx.getJob(id));
    assert.equal(j?.status, 'failed');
    assert.match(j?.lastError ?? '', /no handler/);
    await store.close();
  });
});
