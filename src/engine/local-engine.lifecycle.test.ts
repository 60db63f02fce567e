/** Sessions, idempotency and validation of the LocalBlockEngine facade. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LocalBlockEngine } from './local-engine.js';
import { clock, engineError, openHooked } from './testing/engine-fixture.js';
import { HookedChunkStore, Prng, readVolume, sha256, tempDir, writeVolume, type TempDir } from './testing/fixtures.js';

const CHUNK = 64 * 1024;
const SIZE = 1024 * 1024;

describe('LocalBlockEngine: lifecycle and idempotency', () => {
  let dir: TempDir;
  let engine: LocalBlockEngine;
  let store: HookedChunkStore;
  beforeEach(async () => {
    dir = await tempDir();
    ({ engine, store } = await openHooked(dir.path, CHUNK));
  });
  afterEach(async () => {
    await engine.close();
    await dir.cleanup();
  });

  it('validates the chunk size, sizes and ids', async () => {
    for (const chunkSize of [1000, 32 * 1024, 8 * 1024 * 1024, 96 * 1024]) {
      await assert.rejects(LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize }), RangeError);
    }
    const other = await LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize: 4 * 1024 * 1024 });
    await other.close();
    await assert.rejects(engine.createVolume('d-1', 0), RangeError);
    await assert.rejects(engine.createVolume('d-1', 1.5), RangeError);
    for (const bad of ['', '../x', 'a/b', '.hidden']) await assert.rejects(engine.createVolume(bad, SIZE), TypeError);
    assert.equal(await engine.volumeExists('../x'), false);
  });

  it('createVolume and deleteVolume are idempotent', async () => {
    await engine.createVolume('d-1', SIZE);
    await engine.createVolume('d-1', SIZE);
    await assert.rejects(engine.createVolume('d-1', SIZE * 2), engineError('VolumeExists'));
    assert.equal(await engine.volumeExists('d-1'), true);
    assert.deepEqual(await readVolume(engine.exports(), 'd-1'), Buffer.alloc(SIZE));
    await engine.deleteVolume('d-1');
    await engine.deleteVolume('d-1');
    await engine.deleteVolume('d-never');
    assert.equal(await engine.volumeExists('d-1'), false);
    assert.deepEqual(await readdir(join(dir.path, 'volumes')), []);
    assert.deepEqual(await readdir(join(dir.path, 'tmp')), []);
  });

  it('one session per volume; begin is idempotent; sessions are listed', async () => {
    await engine.createVolume('d-1', SIZE);
    await engine.createVolume('d-2', SIZE);
    await assert.rejects(engine.beginSnapshot('d-missing', 's-0'), engineError('VolumeNotFound'));
    await engine.beginSnapshot('d-1', 's-1');
    await engine.beginSnapshot('d-1', 's-1');
    await assert.rejects(engine.beginSnapshot('d-1', 's-2'), engineError('SessionBusy'));
    await assert.rejects(engine.beginSnapshot('d-2', 's-1'), engineError('SessionBusy'));
    const racing = await Promise.allSettled([engine.beginSnapshot('d-2', 's-3'), engine.beginSnapshot('d-2', 's-4')]);
    assert.equal(racing.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = racing.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(engineError('SessionBusy')(rejected.reason));
    const winner = racing[0]!.status === 'fulfilled' ? 's-3' : 's-4';
    assert.deepEqual(await engine.listSessions(), ['s-1', winner].sort());
    assert.deepEqual((await readdir(join(dir.path, 'sessions'))).sort(), [`s-1.session`, `${winner}.session`].sort());
  });

  it('abortSnapshot ends the session, stops copy-before-write and is idempotent', async () => {
    await engine.createVolume('d-1', SIZE);
    await writeVolume(engine.exports(), 'd-1', 0, new Prng('abort').bytes(SIZE));
    await engine.beginSnapshot('d-1', 's-1');
    await writeVolume(engine.exports(), 'd-1', 0, Buffer.alloc(10, 1));
    assert.deepEqual((await readdir(join(dir.path, 'sessions'))).sort(), ['s-1.session', 's-1.stage'],
      'copy-before-write parked chunk 0');
    await engine.abortSnapshot('s-1');
    await engine.abortSnapshot('s-1');
    await engine.abortSnapshot('s-unknown');
    assert.deepEqual(await engine.listSessions(), []);
    assert.deepEqual(await readdir(join(dir.path, 'sessions')), []);
    await writeVolume(engine.exports(), 'd-1', 5 * CHUNK, Buffer.alloc(10, 1));
    assert.deepEqual(await readdir(join(dir.path, 'sessions')), [], 'no copy-before-write after abort');
    assert.equal(store.puts, 0);
    await assert.rejects(engine.runSnapshot('s-1'), engineError('SessionNotFound'));
    await engine.beginSnapshot('d-1', 's-2'); // the volume is free again
  });

  it('abort during a running job makes the job fail with SessionNotFound', async () => {
    await engine.createVolume('d-1', SIZE);
    await writeVolume(engine.exports(), 'd-1', 0, new Prng('abort-run').bytes(SIZE));
    await engine.beginSnapshot('d-1', 's-1');
    let aborting: Promise<void> | undefined;
    store.beforePut = async (_d, n) => {
      if (n === 3) aborting = engine.abortSnapshot('s-1');
    };
    await assert.rejects(engine.runSnapshot('s-1'), engineError('SessionNotFound'));
    await aborting;
    assert.equal(await engine.manifestInfo('s-1'), undefined);
    assert.deepEqual(await engine.listSessions(), []);
  });

  it('runSnapshot is idempotent (concurrently and after completion); deleteSnapshot too', async () => {
    await engine.createVolume('d-1', SIZE);
    const image = new Prng('run').bytes(SIZE);
    await writeVolume(engine.exports(), 'd-1', 0, image);
    await engine.beginSnapshot('d-1', 's-1');
    const [a, b] = await Promise.all([engine.runSnapshot('s-1'), engine.runSnapshot('s-1')]);
    assert.deepEqual(a, b);
    assert.deepEqual(await engine.runSnapshot('s-1'), a);
    assert.deepEqual(await engine.manifestInfo('s-1'), a);
    assert.equal(store.puts, SIZE / CHUNK, 'each chunk read and stored once');
    await engine.beginSnapshot('d-1', 's-1'); // a finished snapshot: no new session
    assert.deepEqual(await engine.listSessions(), []);
    await engine.restoreVolume('s-1', 'd-r', SIZE);
    await engine.restoreVolume('s-1', 'd-r', SIZE);
    assert.equal(sha256(await readVolume(engine.exports(), 'd-r')), sha256(image));
    await engine.deleteSnapshot('s-1');
    await engine.deleteSnapshot('s-1');
    assert.equal(await engine.manifestInfo('s-1'), undefined);
    await assert.rejects(engine.runSnapshot('s-1'), engineError('SessionNotFound'));
  });

  it('deleteVolume ends the session of the volume', async () => {
    await engine.createVolume('d-1', SIZE);
    await engine.beginSnapshot('d-1', 's-1');
    await engine.deleteVolume('d-1');
    assert.deepEqual(await engine.listSessions(), []);
    await assert.rejects(engine.runSnapshot('s-1'), engineError('SessionNotFound'));
    await engine.createVolume('d-1', SIZE);
    await engine.beginSnapshot('d-1', 's-2');
  });

  it('a closed engine refuses calls; a reopened one sees the manifests and sessions', async () => {
    await engine.createVolume('d-1', SIZE);
    await engine.beginSnapshot('d-1', 's-1');
    await engine.runSnapshot('s-1');
    await engine.beginSnapshot('d-1', 's-2');
    await engine.close();
    await engine.close();
    await assert.rejects(engine.createVolume('d-2', SIZE), /closed/);
    assert.equal(await engine.exports().open('d-1'), undefined);
    ({ engine, store } = await openHooked(dir.path, CHUNK));
    assert.equal((await engine.manifestInfo('s-1'))?.sizeBytes, SIZE);
    assert.deepEqual(await engine.listSessions(), ['s-2']);
  });
});
