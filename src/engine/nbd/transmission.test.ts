/**
 * The transmission phase over a raw socket: validation errors that keep the
 * connection usable, violations that drop it, clients vanishing mid-request,
 * NBD_CMD_DISC and disconnectExport.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  NBD_CMD_BLOCK_STATUS,
  NBD_CMD_CACHE,
  NBD_CMD_DISC,
  NBD_CMD_FLAG_DF,
  NBD_CMD_FLAG_FUA,
  NBD_CMD_FLAG_NO_HOLE,
  NBD_CMD_FLUSH,
  NBD_CMD_READ,
  NBD_CMD_TRIM,
  NBD_CMD_WRITE,
  NBD_CMD_WRITE_ZEROES,
  NBD_EINVAL,
  NBD_ENOSPC,
  NBD_EPERM,
  encodeRequestHeader,
} from './protocol.js';
import { NbdServer } from './server.js';
import { FileDevice, MapResolver, tempDir } from './testing/file-device.js';
import { RawClient } from './testing/raw-client.js';

const MiB = 1024 * 1024;
const MAX = 64 * 1024;

describe('transmission', { timeout: 120_000 }, () => {
  const clients: RawClient[] = [];
  /** Remembers a client so a failing test cannot leak its connection into the next one. */
  const track = (c: RawClient): RawClient => (clients.push(c), c);
  afterEach(() => clients.splice(0).forEach((c) => c.destroy()));
  let cleanup: () => Promise<void>;
  let device: FileDevice;
  let resolver: MapResolver;
  let server: NbdServer;
  let port: number;

  before(async () => {
    const tmp = await tempDir();
    device = await FileDevice.create(join(tmp.dir, 'disk.raw'), MiB);
    resolver = new MapResolver({ disk: { device }, ro: { device, readOnly: true } });
    server = new NbdServer(resolver, { maxPayload: MAX });
    ({ port } = await server.listen('127.0.0.1', 0));
    cleanup = async () => {
      await server.close();
      await device.close();
      await tmp.cleanup();
    };
  });
  after(() => cleanup());
  beforeEach(() => writeFile(device.path, Buffer.alloc(MiB, 0x42)));

  const open = async (name = 'disk'): Promise<RawClient> => {
    const c = track(await RawClient.connect(port));
    await c.handshake();
    await c.go(name);
    return c;
  };
  const fileBytes = (): Promise<Buffer> => readFile(device.path);
  const expectUsable = async (c: RawClient): Promise<void> => {
    const r = await c.readAt(MiB - 4, 4, 77n);
    assert.deepEqual([r.error, r.cookie], [0, 77n]);
    assert.equal(r.data?.toString('hex'), '42424242');
  };

  it('reads and writes exact bytes, with FUA, flush, trim and write zeroes', async () => {
    const c = await open();
    const payload = Buffer.alloc(MAX, 0xab);
    c.request({ type: NBD_CMD_WRITE, cookie: 1n, offset: 4096n, flags: NBD_CMD_FLAG_FUA }, payload);
    assert.deepEqual(await c.reply(), { magic: 0x67446698, error: 0, cookie: 1n });
    c.request({ type: NBD_CMD_WRITE_ZEROES, cookie: 2n, offset: 8192n, length: 4096, flags: NBD_CMD_FLAG_NO_HOLE });
    assert.equal((await c.reply()).error, 0);
    c.request({ type: NBD_CMD_TRIM, cookie: 3n, offset: BigInt(MiB - 8192), length: 4096 });
    assert.equal((await c.reply()).error, 0);
    c.request({ type: NBD_CMD_FLUSH, cookie: 4n });
    assert.equal((await c.reply()).error, 0);
    const r = await c.readAt(4096, 8192);
    assert.ok(r.data?.equals(Buffer.concat([Buffer.alloc(4096, 0xab), Buffer.alloc(4096)])));
    const expected = Buffer.alloc(MiB, 0x42);
    expected.fill(0xab, 4096, 4096 + MAX).fill(0, 8192, 12288).fill(0, MiB - 8192, MiB - 4096);
    assert.ok((await fileBytes()).equals(expected));
    c.destroy();
  });

  it('answers reads past the end with EINVAL and stays usable', async () => {
    const c = await open();
    for (const [offset, length] of [[MiB - 1, 2], [MiB, 1], [2 ** 53, 1]] as const) {
      const r = await c.readAt(offset, length, 5n);
      assert.deepEqual([r.error, r.cookie, r.data], [NBD_EINVAL, 5n, undefined]);
    }
    c.request({ type: NBD_CMD_READ, cookie: 6n, offset: 0xffffffffffffff00n, length: 0x1000 });
    assert.equal((await c.reply()).error, NBD_EINVAL);
    await expectUsable(c);
    c.destroy();
  });

  it('answers writes past the end with ENOSPC after consuming the payload', async () => {
    const c = await open();
    c.request({ type: NBD_CMD_WRITE, cookie: 8n, offset: BigInt(MiB - 100) }, Buffer.alloc(200, 0x99));
    assert.deepEqual([(await c.reply()).error], [NBD_ENOSPC]);
    c.request({ type: NBD_CMD_WRITE_ZEROES, cookie: 9n, offset: BigInt(MiB), length: 1 });
    assert.equal((await c.reply()).error, NBD_ENOSPC);
    await expectUsable(c);
    assert.ok((await fileBytes()).equals(Buffer.alloc(MiB, 0x42)));
    c.destroy();
  });

  it('refuses oversized reads, and oversized writes after discarding their payload', async () => {
    const c = await open();
    assert.equal((await c.readAt(0, MAX + 1)).error, NBD_EINVAL);
    c.request({ type: NBD_CMD_WRITE, cookie: 10n }, Buffer.alloc(2 * MAX, 0x99));
    assert.deepEqual([(await c.reply()).error], [NBD_EINVAL]);
    await expectUsable(c);
    assert.ok((await fileBytes()).equals(Buffer.alloc(MiB, 0x42)));
    c.destroy();
  });

  it('drops the connection for a write too large to discard', async () => {
    const c = await open();
    c.request({ type: NBD_CMD_WRITE, cookie: 11n, length: 2 * MAX + 1 });
    await c.closed;
    assert.ok((await fileBytes()).equals(Buffer.alloc(MiB, 0x42)));
  });

  it('answers unknown commands, bad flags and zero lengths with EINVAL', async () => {
    const c = await open();
    const bad = [
      { type: NBD_CMD_CACHE, length: 512 },
      { type: NBD_CMD_BLOCK_STATUS, length: 512 },
      { type: 0x4242, length: 512 },
      { type: NBD_CMD_READ, length: 512, flags: NBD_CMD_FLAG_DF },
      { type: NBD_CMD_TRIM, length: 512, flags: NBD_CMD_FLAG_NO_HOLE },
      { type: NBD_CMD_READ, length: 0 },
      { type: NBD_CMD_TRIM, length: 0 },
      { type: NBD_CMD_FLUSH, length: 512 },
    ];
    bad.forEach((req, i) => c.request({ ...req, cookie: BigInt(100 + i) }));
    const replies = [];
    for (let i = 0; i < bad.length; i++) replies.push(await c.reply());
    assert.deepEqual(
      replies.map((r) => r.cookie).sort((a, b) => Number(a - b)),
      bad.map((_, i) => BigInt(100 + i)),
    );
    assert.ok(replies.every((r) => r.error === NBD_EINVAL));
    await expectUsable(c);
    c.destroy();
  });

  it('answers EPERM to every modifying command on a read-only export', async () => {
    const c = await open('ro');
    c.request({ type: NBD_CMD_WRITE, cookie: 1n }, Buffer.alloc(1000, 0x99));
    c.request({ type: NBD_CMD_TRIM, cookie: 2n, length: 4096 });
    c.request({ type: NBD_CMD_WRITE_ZEROES, cookie: 3n, length: 4096 });
    const errors = new Map<bigint, number>();
    for (let i = 0; i < 3; i++) {
      const r = await c.reply();
      errors.set(r.cookie, r.error);
    }
    assert.deepEqual([...errors].sort(), [[1n, NBD_EPERM], [2n, NBD_EPERM], [3n, NBD_EPERM]]);
    c.request({ type: NBD_CMD_FLUSH, cookie: 4n });
    assert.equal((await c.reply()).error, 0);
    await expectUsable(c);
    assert.ok((await fileBytes()).equals(Buffer.alloc(MiB, 0x42)));
    c.destroy();
  });

  it('drops the connection on a bad request magic', async () => {
    const c = await open();
    c.send(encodeRequestHeader({ magic: 0x25609514, flags: 0, type: NBD_CMD_READ, cookie: 1n, offset: 0n, length: 1 }));
    await c.closed;
  });

  it('survives clients vanishing mid-header and mid-payload, releasing each handle once', async () => {
    const a = await open();
    a.send(encodeRequestHeader({ flags: 0, type: NBD_CMD_READ, cookie: 1n, offset: 0n, length: 1 }).subarray(0, 11));
    a.destroy();
    const b = await open();
    b.send(encodeRequestHeader({ flags: 0, type: NBD_CMD_WRITE, cookie: 2n, offset: 0n, length: MAX }));
    b.send(Buffer.alloc(MAX / 2, 0x99));
    b.destroy();
    await Promise.all([a.closed, b.closed]);
    await resolver.idle();
    assert.equal(resolver.doubleReleases, 0);
    assert.ok((await fileBytes()).equals(Buffer.alloc(MiB, 0x42)), 'a partial write never reaches the device');
    const c = await open();
    await expectUsable(c);
    c.destroy();
  });

  it('on DISC answers what is in flight, then closes', async () => {
    const c = await open();
    for (let i = 0; i < 8; i++) {
      c.request({ type: NBD_CMD_WRITE, cookie: BigInt(i), offset: BigInt(i * 4096) }, Buffer.alloc(4096, i + 1));
    }
    c.request({ type: NBD_CMD_DISC, cookie: 99n });
    c.request({ type: NBD_CMD_WRITE, cookie: 100n, offset: 65536n }, Buffer.alloc(4096, 0xee)); // ignored
    const cookies = [];
    for (let i = 0; i < 8; i++) cookies.push((await c.reply()).cookie);
    assert.deepEqual(cookies.sort((a, b) => Number(a - b)), [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    await c.closed;
    await resolver.idle();
    const bytes = await fileBytes();
    for (let i = 0; i < 8; i++) assert.ok(bytes.subarray(i * 4096, (i + 1) * 4096).equals(Buffer.alloc(4096, i + 1)));
    assert.ok(bytes.subarray(65536, 65536 + 4096).equals(Buffer.alloc(4096, 0x42)));
  });

  it('disconnectExport drops the clients of that export only', async () => {
    const victim = await open('disk');
    const bystander = await open('ro');
    const haggling = track(await RawClient.connect(port));
    await haggling.handshake();
    server.disconnectExport('disk');
    await victim.closed;
    await expectUsable(bystander);
    await haggling.go('disk');
    await expectUsable(haggling);
    bystander.destroy();
    haggling.destroy();
    await resolver.idle();
  });

  it('close() drops every client and releases every handle', async () => {
    const extra = new NbdServer(resolver);
    const { port: p } = await extra.listen('127.0.0.1', 0);
    const c = track(await RawClient.connect(p));
    await c.handshake();
    await c.go('disk');
    const d = track(await RawClient.connect(p));
    await d.handshake();
    await extra.close();
    await Promise.all([c.closed, d.closed]);
    await resolver.idle();
    assert.equal(resolver.doubleReleases, 0);
  });
});
