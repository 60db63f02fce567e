/** The NBD view: shared devices, refcounted handles, I/O after deletion rejects without crashing. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalBlockEngine } from './local-engine.js';
import { clock, engineError } from './testing/engine-fixture.js';
import { tempDir, type TempDir } from './testing/fixtures.js';

describe('LocalBlockEngine.exports()', () => {
  let dir: TempDir;
  let engine: LocalBlockEngine;
  before(async () => {
    dir = await tempDir();
    engine = await LocalBlockEngine.open({ dataDir: dir.path, clock });
  });
  after(async () => {
    await engine.close();
    await dir.cleanup();
  });

  it('lists volumes and opens only existing ones', async () => {
    const exports = engine.exports();
    assert.deepEqual(await exports.list(), []);
    await engine.createVolume('d-b', 65536);
    await engine.createVolume('d-a', 65536);
    assert.deepEqual(await exports.list(), ['d-a', 'd-b']);
    assert.equal(await exports.open('d-missing'), undefined);
    assert.equal(await exports.open('../volumes/d-a'), undefined);
    assert.equal(await exports.open(''), undefined);
  });

  it('handles share one device; release is counted and idempotent', async () => {
    await engine.createVolume('d-share', 1 << 20);
    const exports = engine.exports();
    const one = (await exports.open('d-share'))!;
    const two = (await exports.open('d-share'))!;
    assert.equal(one.device, two.device);
    assert.equal(one.readOnly, false);
    assert.equal(one.device.size, 1 << 20);
    await one.device.write(4096, Buffer.from('shared'), true);
    assert.equal((await two.device.read(4096, 6)).toString(), 'shared');
    one.release();
    one.release();
    assert.equal((await two.device.read(4096, 6)).toString(), 'shared', 'still open: one reference left');
    two.release();
    const three = (await exports.open('d-share'))!;
    assert.equal((await three.device.read(4096, 6)).toString(), 'shared');
    three.release();
  });

  it('I/O through a handle of a deleted volume rejects instead of crashing', async () => {
    await engine.createVolume('d-gone', 4 << 20);
    const handle = (await engine.exports().open('d-gone'))!;
    const inflight = handle.device.write(0, Buffer.alloc(4 << 20, 1), false);
    await engine.deleteVolume('d-gone');
    await inflight.catch(() => undefined); // finished before the close, or rejected: either is fine
    const device = handle.device;
    for (const call of [device.read(0, 10), device.write(0, Buffer.alloc(10), true), device.flush(),
      device.trim(0, 10, false), device.writeZeroes(0, 10, true)]) {
      await assert.rejects(call, engineError('VolumeNotFound'));
    }
    handle.release();
    assert.equal(await engine.exports().open('d-gone'), undefined);
    assert.ok(!(await engine.exports().list())?.includes('d-gone'));
    await engine.createVolume('d-gone', 65536);
    const fresh = (await engine.exports().open('d-gone'))!;
    assert.notEqual(fresh.device, device);
    assert.deepEqual(await fresh.device.read(0, 10), Buffer.alloc(10));
    fresh.release();
  });
});
