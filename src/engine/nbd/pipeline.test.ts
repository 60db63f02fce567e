/**
 * Pipelining: many requests in flight on one connection, answered in any
 * order with the right cookies, with a bounded number running at once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { systemClock } from '../../kernel/clock.js';
import type { BlockDevice } from '../block-device.js';
import { NBD_CMD_READ, NBD_CMD_WRITE } from './protocol.js';
import { NbdServer } from './server.js';
import { DEFAULT_MAX_IN_FLIGHT } from './transmission.js';
import { pseudoRandom } from './testing/data.js';
import { FileDevice, GatedDevice, MapResolver, tempDir } from './testing/file-device.js';
import { RawClient } from './testing/raw-client.js';

const MiB = 1024 * 1024;
const BLOCK = 4096;

/** A device of zeroes whose reads at `slowOffset` wait for `release()`. */
class SlowSpotDevice implements BlockDevice {
  readonly size = MiB;
  private releaseSlow!: () => void;
  private readonly slow = new Promise<void>((resolve) => (this.releaseSlow = resolve));
  constructor(private readonly slowOffset: number) {}
  release(): void {
    this.releaseSlow();
  }
  async read(offset: number, length: number): Promise<Buffer> {
    if (offset === this.slowOffset) await this.slow;
    return Buffer.alloc(length, offset / BLOCK);
  }
  async write(): Promise<void> {}
  async flush(): Promise<void> {}
  async trim(): Promise<void> {}
  async writeZeroes(): Promise<void> {}
}

const ZEROES = Buffer.alloc(32 * MiB);

/** A device that returns zeroes (one shared buffer, reads up to 32 MiB) without touching a disk. */
const zeroDevice = (size: number): BlockDevice => ({
  size,
  read: async (_offset, length) => ZEROES.subarray(0, length),
  write: async () => undefined,
  flush: async () => undefined,
  trim: async () => undefined,
  writeZeroes: async () => undefined,
});

describe('pipelining', { timeout: 120_000 }, () => {
  const clients: RawClient[] = [];
  /** Remembers a client so a failing test cannot leak its connection into the next one. */
  const track = (c: RawClient): RawClient => (clients.push(c), c);
  afterEach(() => clients.splice(0).forEach((c) => c.destroy()));
  let cleanup: () => Promise<void>;
  let file: FileDevice;
  let gated: GatedDevice;
  let slow: SlowSpotDevice;
  let bulk: GatedDevice;
  let resolver: MapResolver;
  let port: number;

  before(async () => {
    const tmp = await tempDir();
    file = await FileDevice.create(join(tmp.dir, 'disk.raw'), 4 * MiB);
    gated = new GatedDevice(file);
    slow = new SlowSpotDevice(0);
    bulk = new GatedDevice(zeroDevice(256 * MiB));
    resolver = new MapResolver({
      disk: { device: file },
      gated: { device: gated },
      slow: { device: slow },
      bulk: { device: bulk },
    });
    const server = new NbdServer(resolver);
    ({ port } = await server.listen('127.0.0.1', 0));
    cleanup = async () => {
      [gated, bulk].forEach((d) => d.open()); // a failed test must not leave device work stuck
      slow.release();
      await server.close();
      await file.close();
      await tmp.cleanup();
    };
  });
  after(() => cleanup());

  const open = async (name: string): Promise<RawClient> => {
    const c = track(await RawClient.connect(port));
    await c.handshake();
    await c.go(name);
    return c;
  };

  it('answers hundreds of pipelined writes then reads, each with its own cookie and bytes', async () => {
    const c = await open('disk');
    const count = 300;
    const image = pseudoRandom(count * BLOCK, 42);
    const block = (i: number): Buffer => image.subarray(i * BLOCK, (i + 1) * BLOCK);
    // One socket write carrying every request: the server must pace itself.
    const writes = Array.from({ length: count }, (_, i) => ({ i, cookie: 0x1000_0000_0000n + BigInt(i) }));
    for (const { i, cookie } of writes) c.request({ type: NBD_CMD_WRITE, cookie, offset: BigInt(i * BLOCK) }, block(i));
    const written = new Set<bigint>();
    for (let n = 0; n < count; n++) {
      const r = await c.reply();
      assert.equal(r.error, 0);
      assert.ok(!written.has(r.cookie), 'each cookie answered once');
      written.add(r.cookie);
    }
    assert.deepEqual([...written].sort((a, b) => Number(a - b)), writes.map((w) => w.cookie));

    const order = Array.from({ length: count }, (_, i) => (i * 7) % count); // scattered offsets
    order.forEach((i) => c.request({ type: NBD_CMD_READ, cookie: BigInt(i), offset: BigInt(i * BLOCK), length: BLOCK }));
    const seen = new Set<bigint>();
    for (let n = 0; n < count; n++) {
      const r = await c.reply();
      assert.equal(r.error, 0);
      const data = await c.read(BLOCK);
      assert.ok(data.equals(block(Number(r.cookie))), `bytes of cookie ${r.cookie}`);
      seen.add(r.cookie);
    }
    assert.equal(seen.size, count);
    c.destroy();
  });

  it('runs requests concurrently and replies in completion order', async () => {
    const c = await open('slow');
    c.request({ type: NBD_CMD_READ, cookie: 1n, offset: 0n, length: BLOCK }); // blocks
    c.request({ type: NBD_CMD_READ, cookie: 2n, offset: BigInt(BLOCK), length: BLOCK });
    const first = await c.reply();
    assert.deepEqual([first.cookie, first.error], [2n, 0]);
    assert.ok((await c.read(BLOCK)).equals(Buffer.alloc(BLOCK, 1)));
    slow.release();
    const second = await c.reply();
    assert.deepEqual([second.cookie, second.error], [1n, 0]);
    assert.ok((await c.read(BLOCK)).equals(Buffer.alloc(BLOCK, 0)));
    c.destroy();
  });

  it('bounds the number of requests in flight and resumes when they finish', async () => {
    const c = await open('gated');
    const count = 150;
    for (let i = 0; i < count; i++) c.request({ type: NBD_CMD_READ, cookie: BigInt(i), offset: BigInt(i * BLOCK), length: BLOCK });
    await gated.startedAtLeast(DEFAULT_MAX_IN_FLIGHT);
    await systemClock.sleep(100); // give the server every chance to overrun the limit
    const startedWhileBlocked = gated.started;
    gated.open(); // before asserting, so a failure cannot leave device work stuck
    assert.equal(startedWhileBlocked, DEFAULT_MAX_IN_FLIGHT);
    const cookies = new Set<bigint>();
    for (let i = 0; i < count; i++) {
      const r = await c.reply();
      assert.equal(r.error, 0);
      await c.read(BLOCK);
      cookies.add(r.cookie);
    }
    assert.equal(cookies.size, count);
    assert.equal(gated.maxActive, DEFAULT_MAX_IN_FLIGHT);
    c.destroy();
  });

  it('bounds the payload bytes in flight (128 MiB)', async () => {
    const c = await open('bulk');
    const length = 32 * MiB;
    for (let i = 0; i < 6; i++) c.request({ type: NBD_CMD_READ, cookie: BigInt(i), offset: BigInt(i * length), length });
    await bulk.startedAtLeast(4);
    await systemClock.sleep(100);
    const startedWhileBlocked = bulk.started;
    bulk.open();
    assert.equal(startedWhileBlocked, 4, '4 × 32 MiB fill the 128 MiB budget');
    const cookies = new Set<bigint>();
    for (let i = 0; i < 6; i++) {
      const r = await c.reply();
      assert.equal(r.error, 0);
      await c.read(length);
      cookies.add(r.cookie);
    }
    assert.equal(cookies.size, 6);
    c.destroy();
  });

  it('keeps the handle until in-flight requests finish when the client vanishes', async () => {
    const device = new GatedDevice(zeroDevice(MiB));
    resolver.exports.set('vanish', { device });
    const c = await open('vanish');
    for (let i = 0; i < 10; i++) c.request({ type: NBD_CMD_READ, cookie: BigInt(i), offset: BigInt(i * BLOCK), length: BLOCK });
    await device.startedAtLeast(10);
    const releasedBefore = resolver.released;
    c.destroy();
    await c.closed;
    await systemClock.sleep(50);
    const releasedWhileBusy = resolver.released;
    device.open();
    assert.equal(releasedWhileBusy, releasedBefore, 'not released while the device is still busy');
    await resolver.idle();
    assert.equal(resolver.doubleReleases, 0);
    assert.equal(device.active, 0);
  });
});
