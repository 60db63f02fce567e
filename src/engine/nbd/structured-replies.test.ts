/**
 * Structured replies, metadata contexts and BLOCK_STATUS over a raw socket:
 * negotiation, READ as data/hole chunks, error chunks, DF, REQ_ONE, and the
 * export flags (DF, CAN_MULTI_CONN) and infos (block size, description).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { encodeMetaContextRequest, decodeMetaContextReply } from './meta-context.js';
import {
  NBD_CMD_BLOCK_STATUS,
  NBD_CMD_FLAG_DF,
  NBD_CMD_FLAG_REQ_ONE,
  NBD_CMD_FLUSH,
  NBD_CMD_READ,
  NBD_CMD_WRITE,
  NBD_EINVAL,
  NBD_EOVERFLOW,
  NBD_EPERM,
  NBD_INFO_BLOCK_SIZE,
  NBD_INFO_DESCRIPTION,
  NBD_OPT_INFO,
  NBD_OPT_LIST_META_CONTEXT,
  NBD_OPT_SET_META_CONTEXT,
  NBD_REP_ACK,
  NBD_REP_ERR_INVALID,
  NBD_REP_ERR_UNKNOWN,
  NBD_REP_INFO,
  NBD_REP_META_CONTEXT,
  encodeInfoRequest,
} from './protocol.js';
import { NbdServer } from './server.js';
import {
  NBD_REPLY_FLAG_DONE,
  NBD_REPLY_TYPE_BLOCK_STATUS,
  NBD_REPLY_TYPE_ERROR,
  NBD_REPLY_TYPE_NONE,
  NBD_REPLY_TYPE_OFFSET_DATA,
  NBD_REPLY_TYPE_OFFSET_HOLE,
  decodeBlockStatusPayload,
  decodeErrorPayload,
  type BlockDescriptor,
} from './structured.js';
import { AllocatingDevice } from './testing/allocating-device.js';
import { pseudoRandom } from './testing/data.js';
import { FileDevice, MapResolver, tempDir } from './testing/file-device.js';
import { RawClient, type Chunk } from './testing/raw-client.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const MAX = 256 * KiB;
const GRAIN = 64 * KiB;

/** Rebuilds a structured READ reply into bytes; checks chunks lie in the request and do not overlap. */
function assemble(chunks: Chunk[], offset: number, length: number): Buffer {
  const out = Buffer.alloc(length, 0xee);
  const seen: [number, number][] = [];
  for (const c of chunks) {
    if (c.type === NBD_REPLY_TYPE_NONE) continue;
    const at = Number(c.payload.readBigUInt64BE(0));
    const size = c.type === NBD_REPLY_TYPE_OFFSET_HOLE ? c.payload.readUInt32BE(8) : c.payload.length - 8;
    assert.ok(at >= offset && at + size <= offset + length, 'chunk inside the request');
    assert.ok(seen.every(([s, e]) => at >= e || at + size <= s), 'chunks do not overlap');
    seen.push([at, at + size]);
    if (c.type === NBD_REPLY_TYPE_OFFSET_HOLE) out.fill(0, at - offset, at - offset + size);
    else c.payload.copy(out, at - offset, 8);
  }
  assert.equal(seen.reduce((n, [s, e]) => n + e - s, 0), length, 'chunks cover the request');
  return out;
}

describe('structured replies and block status', { timeout: 120_000 }, () => {
  const clients: RawClient[] = [];
  const track = (c: RawClient): RawClient => (clients.push(c), c);
  afterEach(() => clients.splice(0).forEach((c) => c.destroy()));
  let cleanup: () => Promise<void>;
  let sparse: AllocatingDevice;
  let plain: FileDevice;
  let port: number;

  before(async () => {
    const tmp = await tempDir();
    plain = await FileDevice.create(join(tmp.dir, 'plain.raw'), MiB);
    const backing = await FileDevice.create(join(tmp.dir, 'sparse.raw'), 4 * MiB);
    sparse = new AllocatingDevice(backing, GRAIN);
    const resolver = new MapResolver({
      sparse: { device: sparse, multiConn: true, description: 'a sparse test disk' },
      plain: { device: plain },
      ro: { device: plain, readOnly: true },
    });
    const server = new NbdServer(resolver, { maxPayload: MAX });
    ({ port } = await server.listen('127.0.0.1', 0));
    await sparse.write(2 * GRAIN, pseudoRandom(GRAIN, 1), false);
    await sparse.write(10 * GRAIN + 100, pseudoRandom(300, 2), false);
    cleanup = async () => {
      await server.close();
      await Promise.all([plain.close(), backing.close()]);
      await tmp.cleanup();
    };
  });
  after(() => cleanup());

  /** Connects, negotiates structured replies (and base:allocation for `contextFor`), enters `name`. */
  const open = async (name: string, contextFor?: string): Promise<{ c: RawClient; flags: number; id?: number }> => {
    const c = track(await RawClient.connect(port));
    await c.handshake();
    assert.equal(await c.structuredReplies(), NBD_REP_ACK);
    let id: number | undefined;
    if (contextFor !== undefined) {
      const { contexts, type } = await c.setMetaContext(contextFor, ['base:allocation']);
      assert.equal(type, NBD_REP_ACK);
      id = contexts.get('base:allocation');
      assert.ok(id !== undefined && id !== 0);
    }
    const { flags } = await c.go(name);
    return { c, flags, ...(id !== undefined ? { id } : {}) };
  };

  const blockStatus = async (c: RawClient, offset: number, length: number, flags = 0): Promise<BlockDescriptor[]> => {
    c.request({ type: NBD_CMD_BLOCK_STATUS, cookie: 77n, offset: BigInt(offset), length, flags });
    const [chunk, ...rest] = await c.structuredReply();
    assert.equal(rest.length, 0);
    assert.equal(chunk?.type, NBD_REPLY_TYPE_BLOCK_STATUS);
    assert.equal(chunk?.cookie, 77n);
    return decodeBlockStatusPayload(chunk!.payload).descriptors;
  };

  it('negotiates structured replies once; GO then advertises DF and, where shared, CAN_MULTI_CONN', async () => {
    const { c, flags } = await open('sparse');
    assert.equal(flags, 0x1ed);
    c.destroy();
    const again = track(await RawClient.connect(port));
    await again.handshake();
    assert.equal(await again.structuredReplies(), NBD_REP_ACK);
    assert.equal(await again.structuredReplies(), NBD_REP_ERR_INVALID);
    assert.equal((await again.go('plain')).flags, 0xed);
  });

  it('LIST_META_CONTEXT: all contexts, the base: wildcard, unknown namespaces ignored, errors', async () => {
    const c = track(await RawClient.connect(port));
    await c.handshake();
    const list = async (name: string, queries: string[]): Promise<{ names: string[]; type: number }> => {
      c.sendOption(NBD_OPT_LIST_META_CONTEXT, encodeMetaContextRequest(name, queries));
      const replies = await c.optionReplies();
      const names = replies.filter((r) => r.type === NBD_REP_META_CONTEXT).map((r) => {
        const { id, name: context } = decodeMetaContextReply(r.data);
        assert.equal(id, 0, 'LIST replies carry id 0');
        return context;
      });
      return { names, type: replies[replies.length - 1]!.type };
    };
    assert.equal((await list('sparse', [])).type, NBD_REP_ERR_INVALID, 'before structured replies');
    assert.equal(await c.structuredReplies(), NBD_REP_ACK);
    assert.deepEqual(await list('sparse', []), { names: ['base:allocation'], type: NBD_REP_ACK });
    assert.deepEqual(await list('sparse', ['base:']), { names: ['base:allocation'], type: NBD_REP_ACK });
    assert.deepEqual(await list('plain', ['qemu:dirty-bitmap:x']), { names: [], type: NBD_REP_ACK });
    assert.equal((await list('missing', [])).type, NBD_REP_ERR_UNKNOWN);
    c.sendOption(NBD_OPT_LIST_META_CONTEXT, Buffer.from('junk'));
    assert.equal((await c.optionReply()).type, NBD_REP_ERR_INVALID);
    assert.equal((await c.go('plain')).flags, 0xed, 'haggling goes on');
  });

  it('READ answers holes as OFFSET_HOLE and written blocks as OFFSET_DATA, DONE on the last chunk', async () => {
    const { c } = await open('sparse');
    c.request({ type: NBD_CMD_READ, cookie: 5n, offset: BigInt(GRAIN), length: 3 * GRAIN });
    const chunks = await c.structuredReply();
    assert.deepEqual(chunks.map((x) => [x.type, x.flags, x.cookie]), [
      [NBD_REPLY_TYPE_OFFSET_HOLE, 0, 5n],
      [NBD_REPLY_TYPE_OFFSET_DATA, 0, 5n],
      [NBD_REPLY_TYPE_OFFSET_HOLE, NBD_REPLY_FLAG_DONE, 5n],
    ]);
    assert.deepEqual(assemble(chunks, GRAIN, 3 * GRAIN), await sparse.read(GRAIN, 3 * GRAIN));
    // Unaligned, straddling the small write.
    c.request({ type: NBD_CMD_READ, cookie: 6n, offset: BigInt(10 * GRAIN - 7), length: 1000 });
    assert.deepEqual(assemble(await c.structuredReply(), 10 * GRAIN - 7, 1000), await sparse.read(10 * GRAIN - 7, 1000));
  });

  it('DF: one OFFSET_DATA chunk with the zeroes included; an oversized DF read is EOVERFLOW', async () => {
    const { c } = await open('sparse');
    c.request({ type: NBD_CMD_READ, cookie: 8n, offset: 0n, length: 4 * GRAIN, flags: NBD_CMD_FLAG_DF });
    const chunks = await c.structuredReply();
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0]?.type, NBD_REPLY_TYPE_OFFSET_DATA);
    assert.deepEqual(assemble(chunks, 0, 4 * GRAIN), await sparse.read(0, 4 * GRAIN));
    c.request({ type: NBD_CMD_READ, cookie: 9n, offset: 0n, length: MAX + 1, flags: NBD_CMD_FLAG_DF });
    const [error] = await c.structuredReply();
    assert.equal(error?.type, NBD_REPLY_TYPE_ERROR);
    assert.equal(decodeErrorPayload(error!.payload).errno, NBD_EOVERFLOW);
  });

  it('errors are ERROR chunks with a message, and the connection stays usable', async () => {
    const { c } = await open('ro');
    const expectError = async (errno: number, pattern: RegExp): Promise<void> => {
      const [chunk, ...rest] = await c.structuredReply();
      assert.equal(rest.length, 0);
      assert.equal(chunk?.type, NBD_REPLY_TYPE_ERROR);
      assert.equal(chunk?.flags, NBD_REPLY_FLAG_DONE);
      const { errno: got, message } = decodeErrorPayload(chunk!.payload);
      assert.equal(got, errno);
      assert.match(message, pattern);
    };
    c.request({ type: NBD_CMD_READ, cookie: 1n, offset: BigInt(MiB - 10), length: 20 });
    await expectError(NBD_EINVAL, /beyond the end/);
    c.request({ type: NBD_CMD_READ, cookie: 2n, offset: 0n, length: MAX + 1 });
    await expectError(NBD_EINVAL, /maximum block size/);
    c.request({ type: NBD_CMD_WRITE, cookie: 3n, offset: 0n }, Buffer.alloc(512));
    await expectError(NBD_EPERM, /read-only/);
    c.request({ type: NBD_CMD_BLOCK_STATUS, cookie: 4n, offset: 0n, length: 512 });
    await expectError(NBD_EINVAL, /metadata context/);
    c.request({ type: NBD_CMD_FLUSH, cookie: 5n });
    const [done] = await c.structuredReply();
    assert.deepEqual([done?.type, done?.flags, done?.cookie, done?.length], [NBD_REPLY_TYPE_NONE, 1, 5n, 0]);
  });

  it('BLOCK_STATUS reports written blocks as data and the rest as HOLE|ZERO', async () => {
    const { c, id } = await open('sparse', 'sparse');
    assert.deepEqual(await blockStatus(c, 0, 4 * MiB), [
      { length: 2 * GRAIN, flags: 3 },
      { length: GRAIN, flags: 0 },
      { length: 7 * GRAIN, flags: 3 },
      { length: GRAIN, flags: 0 },
      { length: 4 * MiB - 11 * GRAIN, flags: 3 },
    ]);
    c.request({ type: NBD_CMD_BLOCK_STATUS, cookie: 1n, offset: 0n, length: 512 });
    assert.equal(decodeBlockStatusPayload((await c.structuredReply())[0]!.payload).contextId, id);
    // Unaligned start and end: clipped to the request.
    assert.deepEqual(await blockStatus(c, 2 * GRAIN - 10, 20), [{ length: 10, flags: 3 }, { length: 10, flags: 0 }]);
    // A write makes its block data.
    c.request({ type: NBD_CMD_WRITE, cookie: 2n, offset: BigInt(20 * GRAIN) }, Buffer.alloc(10, 1));
    assert.equal((await c.structuredReply())[0]?.type, NBD_REPLY_TYPE_NONE);
    assert.deepEqual(await blockStatus(c, 20 * GRAIN, GRAIN), [{ length: GRAIN, flags: 0 }]);
  });

  it('REQ_ONE: exactly one descriptor, never longer than the request', async () => {
    const { c } = await open('sparse', 'sparse');
    assert.deepEqual(await blockStatus(c, 0, 4 * MiB, NBD_CMD_FLAG_REQ_ONE), [{ length: 2 * GRAIN, flags: 3 }]);
    assert.deepEqual(await blockStatus(c, 0, 100, NBD_CMD_FLAG_REQ_ONE), [{ length: 100, flags: 3 }]);
    assert.deepEqual(await blockStatus(c, 2 * GRAIN, 4 * MiB - 2 * GRAIN, NBD_CMD_FLAG_REQ_ONE), [{ length: GRAIN, flags: 0 }]);
  });

  it('a device without blockStatus is all data; contexts chosen for another export do not apply', async () => {
    const { c } = await open('plain', 'plain');
    assert.deepEqual(await blockStatus(c, 100, 5000), [{ length: 5000, flags: 0 }]);
    c.request({ type: NBD_CMD_READ, cookie: 3n, offset: 0n, length: 8192 });
    const chunks = await c.structuredReply();
    assert.deepEqual(chunks.map((x) => [x.type, x.flags]), [[NBD_REPLY_TYPE_OFFSET_DATA, NBD_REPLY_FLAG_DONE]]);
    const other = await open('sparse', 'plain');
    other.c.request({ type: NBD_CMD_BLOCK_STATUS, cookie: 4n, offset: 0n, length: 512 });
    const [chunk] = await other.c.structuredReply();
    assert.equal(chunk?.type, NBD_REPLY_TYPE_ERROR);
    assert.equal(decodeErrorPayload(chunk!.payload).errno, NBD_EINVAL);
  });

  it('SET_META_CONTEXT: base: alone selects nothing, unknown exports fail, and a failed SET clears the choice', async () => {
    const c = track(await RawClient.connect(port));
    await c.handshake();
    assert.equal(await c.structuredReplies(), NBD_REP_ACK);
    assert.deepEqual(await c.setMetaContext('sparse', ['base:']), { contexts: new Map(), type: NBD_REP_ACK });
    assert.equal((await c.setMetaContext('missing', ['base:allocation'])).type, NBD_REP_ERR_UNKNOWN);
    assert.equal((await c.setMetaContext('sparse', ['base:allocation'])).type, NBD_REP_ACK);
    c.sendOption(NBD_OPT_SET_META_CONTEXT, Buffer.from('bad'));
    assert.equal((await c.optionReply()).type, NBD_REP_ERR_INVALID);
    await c.go('sparse');
    c.request({ type: NBD_CMD_BLOCK_STATUS, cookie: 4n, offset: 0n, length: 512 });
    assert.equal((await c.structuredReply())[0]?.type, NBD_REPLY_TYPE_ERROR, 'the failed SET left no context');
  });

  it('INFO: block sizes (1, 4096, max payload) and the description when asked', async () => {
    const c = track(await RawClient.connect(port));
    await c.handshake();
    c.sendOption(NBD_OPT_INFO, encodeInfoRequest('sparse', [NBD_INFO_DESCRIPTION, NBD_INFO_BLOCK_SIZE]));
    const replies = await c.optionReplies();
    assert.equal(replies[replies.length - 1]?.type, NBD_REP_ACK);
    const info = (type: number): Buffer | undefined =>
      replies.find((r) => r.type === NBD_REP_INFO && r.data.readUInt16BE(0) === type)?.data;
    assert.equal(info(NBD_INFO_DESCRIPTION)?.toString('utf8', 2), 'a sparse test disk');
    const sizes = info(NBD_INFO_BLOCK_SIZE)!;
    assert.deepEqual([sizes.readUInt32BE(2), sizes.readUInt32BE(6), sizes.readUInt32BE(10)], [1, 4096, MAX]);
    c.sendOption(NBD_OPT_INFO, encodeInfoRequest('plain', [NBD_INFO_DESCRIPTION]));
    const plainReplies = await c.optionReplies();
    assert.ok(!plainReplies.some((r) => r.type === NBD_REP_INFO && r.data.readUInt16BE(0) === NBD_INFO_DESCRIPTION));
  });
});
