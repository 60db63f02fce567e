/**
 * Option haggling over a raw socket: every option we support, and hostile or
 * malformed input that must be refused or must drop the connection.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  NBD_FLAG_C_FIXED_NEWSTYLE,
  NBD_FLAG_C_NO_ZEROES,
  NBD_INFO_BLOCK_SIZE,
  NBD_INFO_EXPORT,
  NBD_INFO_NAME,
  NBD_OPT_ABORT,
  NBD_OPT_EXPORT_NAME,
  NBD_OPT_EXTENDED_HEADERS,
  NBD_OPT_GO,
  NBD_OPT_INFO,
  NBD_OPT_LIST,
  NBD_OPT_SET_META_CONTEXT,
  NBD_OPT_STARTTLS,
  NBD_OPT_STRUCTURED_REPLY,
  NBD_REP_ACK,
  NBD_REP_ERR_INVALID,
  NBD_REP_ERR_POLICY,
  NBD_REP_ERR_UNKNOWN,
  NBD_REP_ERR_UNSUP,
  NBD_REP_INFO,
  NBD_REP_SERVER,
  encodeInfoRequest,
  encodeOptionHeader,
} from './protocol.js';
import { NbdServer } from './server.js';
import { FileDevice, MapResolver, tempDir } from './testing/file-device.js';
import { RawClient } from './testing/raw-client.js';

const MiB = 1024 * 1024;

describe('handshake', { timeout: 120_000 }, () => {
  const clients: RawClient[] = [];
  /** Remembers a client so a failing test cannot leak its connection into the next one. */
  const track = (c: RawClient): RawClient => (clients.push(c), c);
  afterEach(() => clients.splice(0).forEach((c) => c.destroy()));
  let cleanup: () => Promise<void>;
  let device: FileDevice;
  let resolver: MapResolver;
  let server: NbdServer;
  let port: number;
  const logs: string[] = [];

  before(async () => {
    const tmp = await tempDir();
    device = await FileDevice.create(join(tmp.dir, 'disk.raw'), MiB);
    resolver = new MapResolver({ disk: { device }, ro: { device, readOnly: true } });
    server = new NbdServer(resolver, { maxPayload: 64 * 1024, log: (m) => logs.push(m) });
    ({ port } = await server.listen('127.0.0.1', 0));
    cleanup = async () => {
      await server.close();
      await device.close();
      await tmp.cleanup();
    };
  });
  after(() => cleanup());

  const connect = async (): Promise<RawClient> => {
    const c = track(await RawClient.connect(port));
    await c.handshake();
    return c;
  };

  it('greets with NBDMAGIC, IHAVEOPT and FIXED_NEWSTYLE | NO_ZEROES', async () => {
    const c = track(await RawClient.connect(port));
    const greeting = await c.handshake();
    assert.equal(greeting.toString('hex'), Buffer.from('NBDMAGICIHAVEOPT').toString('hex') + '0003');
    c.destroy();
  });

  it('drops a client that sets unknown flags', async () => {
    const c = track(await RawClient.connect(port));
    await c.handshake(NBD_FLAG_C_FIXED_NEWSTYLE | 0x80);
    c.sendOption(NBD_OPT_LIST);
    await c.closed;
  });

  it('drops a client that sends a bad option magic', async () => {
    const c = await connect();
    c.send(encodeOptionHeader(NBD_OPT_LIST, 0, 0x1122334455667788n));
    await c.closed;
  });

  it('drops a client that announces absurd option data', async () => {
    const c = await connect();
    c.send(encodeOptionHeader(NBD_OPT_GO, 64 * 1024 + 1));
    await c.closed;
  });

  it('answers unknown and unsupported options with ERR_UNSUP and keeps going', async () => {
    const c = await connect();
    for (const option of [0x1234, NBD_OPT_STARTTLS, NBD_OPT_EXTENDED_HEADERS]) {
      c.sendOption(option, Buffer.from('junk'));
      const r = await c.optionReply();
      assert.deepEqual([r.option, r.type], [option, NBD_REP_ERR_UNSUP]);
    }
    // Supported, but malformed here (data where none belongs; contexts before structured replies).
    for (const option of [NBD_OPT_STRUCTURED_REPLY, NBD_OPT_SET_META_CONTEXT]) {
      c.sendOption(option, Buffer.from('junk'));
      const r = await c.optionReply();
      assert.deepEqual([r.option, r.type], [option, NBD_REP_ERR_INVALID]);
    }
    const { size, flags } = await c.go('disk');
    assert.equal(size, BigInt(MiB));
    assert.equal(flags, 0x6d);
    assert.equal((await c.readAt(0, 16)).error, 0);
    c.destroy();
  });

  it('answers GO for an unknown export with ERR_UNKNOWN, then serves a known one', async () => {
    const c = await connect();
    c.sendOption(NBD_OPT_GO, encodeInfoRequest('missing', []));
    const [r] = await c.optionReplies();
    assert.equal(r?.type, NBD_REP_ERR_UNKNOWN);
    assert.match(r?.data.toString() ?? '', /missing/);
    assert.equal((await c.go('ro')).flags, 0x6f);
    c.destroy();
  });

  it('answers malformed GO data with ERR_INVALID', async () => {
    const c = await connect();
    c.sendOption(NBD_OPT_GO, Buffer.concat([encodeInfoRequest('disk', []), Buffer.from([0])]));
    assert.equal((await c.optionReply()).type, NBD_REP_ERR_INVALID);
    c.sendOption(NBD_OPT_INFO, Buffer.from([0, 0]));
    assert.equal((await c.optionReply()).type, NBD_REP_ERR_INVALID);
    await c.go('disk');
    c.destroy();
  });

  it('describes an export with INFO without entering transmission', async () => {
    const c = await connect();
    c.sendOption(NBD_OPT_INFO, encodeInfoRequest('disk', [NBD_INFO_NAME, NBD_INFO_BLOCK_SIZE]));
    const replies = await c.optionReplies();
    assert.equal(replies.at(-1)?.type, NBD_REP_ACK);
    const infos = new Map(replies.filter((r) => r.type === NBD_REP_INFO).map((r) => [r.data.readUInt16BE(0), r.data]));
    assert.equal(infos.get(NBD_INFO_NAME)?.toString('utf8', 2), 'disk');
    assert.equal(infos.get(NBD_INFO_BLOCK_SIZE)?.toString('hex'), '0003' + '00000001' + '00001000' + '00010000');
    assert.equal(infos.get(NBD_INFO_EXPORT)?.toString('hex'), '0000' + '0000000000100000' + '006d');
    await resolver.idle(); // INFO released its handle
    await c.go('disk');
    c.destroy();
  });

  it('lists exports, and refuses LIST with data', async () => {
    const c = await connect();
    c.sendOption(NBD_OPT_LIST, Buffer.from('x'));
    assert.equal((await c.optionReply()).type, NBD_REP_ERR_INVALID);
    c.sendOption(NBD_OPT_LIST);
    const replies = await c.optionReplies();
    assert.deepEqual(
      replies.map((r) => [r.type, r.data.toString('hex')]),
      [
        [NBD_REP_SERVER, '00000004' + Buffer.from('disk').toString('hex')],
        [NBD_REP_SERVER, '00000002' + Buffer.from('ro').toString('hex')],
        [NBD_REP_ACK, ''],
      ],
    );
    c.destroy();
  });

  it('answers LIST with ERR_POLICY when the resolver refuses to list', async () => {
    const quiet = new NbdServer(new MapResolver({ disk: { device } }, false));
    const { port: p } = await quiet.listen('127.0.0.1', 0);
    try {
      const c = track(await RawClient.connect(p));
      await c.handshake();
      c.sendOption(NBD_OPT_LIST);
      assert.equal((await c.optionReply()).type, NBD_REP_ERR_POLICY);
      await c.go('disk');
      c.destroy();
    } finally {
      await quiet.close();
    }
  });

  it('acknowledges ABORT, then closes', async () => {
    const c = await connect();
    c.sendOption(NBD_OPT_ABORT);
    const r = await c.optionReply();
    assert.deepEqual([r.option, r.type, r.data.length], [NBD_OPT_ABORT, NBD_REP_ACK, 0]);
    await c.closed;
  });

  it('supports EXPORT_NAME with and without the 124 zero bytes', async () => {
    for (const [clientFlags, replyLength] of [
      [NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES, 10],
      [NBD_FLAG_C_FIXED_NEWSTYLE, 134],
      [0, 134], // plain (non-fixed) newstyle client
    ] as const) {
      const c = track(await RawClient.connect(port));
      await c.handshake(clientFlags);
      c.sendOption(NBD_OPT_EXPORT_NAME, Buffer.from('disk'));
      const reply = await c.read(replyLength);
      assert.equal(reply.subarray(0, 10).toString('hex'), '0000000000100000006d');
      assert.ok(reply.subarray(10).equals(Buffer.alloc(replyLength - 10)));
      const r = await c.readAt(0, 4, 9n);
      assert.deepEqual([r.error, r.cookie], [0, 9n]);
      c.destroy();
    }
  });

  it('hangs up on EXPORT_NAME for an unknown export', async () => {
    const c = await connect();
    c.sendOption(NBD_OPT_EXPORT_NAME, Buffer.from('missing'));
    await c.closed;
  });

  it('hangs up on a non-fixed-newstyle client sending other options', async () => {
    const c = track(await RawClient.connect(port));
    await c.handshake(0);
    c.sendOption(NBD_OPT_LIST);
    await c.closed;
  });

  it('survives clients vanishing mid-handshake and leaks no handle', async () => {
    const a = track(await RawClient.connect(port));
    a.destroy(); // before the flags
    const b = await connect();
    b.send(encodeOptionHeader(NBD_OPT_GO, 100).subarray(0, 9)); // half an option header
    b.destroy();
    const d = await connect();
    d.send(encodeOptionHeader(NBD_OPT_GO, 100)); // header but not all its data
    d.destroy();
    const e = await connect();
    await e.go('disk');
    e.destroy();
    await Promise.all([a.closed, b.closed, d.closed, e.closed]);
    await resolver.idle();
    assert.equal(resolver.doubleReleases, 0);
    const f = await connect();
    await f.go('disk');
    assert.equal((await f.readAt(0, 512)).error, 0);
    f.destroy();
  });
});
