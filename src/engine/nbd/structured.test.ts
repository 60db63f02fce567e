/** Units: structured reply chunks, metadata-context codec and matching, extent repair, validation of new flags. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlockDevice, BlockExtent } from '../block-device.js';
import { MAX_BLOCK_STATUS_EXTENTS, blockStatusChunk, deviceExtents } from './block-status.js';
import {
  BASE_ALLOCATION,
  decodeMetaContextReply,
  decodeMetaContextRequest,
  encodeMetaContextReply,
  encodeMetaContextRequest,
  matchContexts,
} from './meta-context.js';
import {
  NBD_CMD_BLOCK_STATUS,
  NBD_CMD_FLAG_DF,
  NBD_CMD_FLAG_REQ_ONE,
  NBD_CMD_READ,
  NBD_CMD_WRITE,
  NBD_EINVAL,
  NBD_EOVERFLOW,
  NBD_STRUCTURED_REPLY_MAGIC,
} from './protocol.js';
import {
  MAX_ERROR_MESSAGE_BYTES,
  NBD_REPLY_FLAG_DONE,
  NBD_REPLY_TYPE_BLOCK_STATUS,
  NBD_REPLY_TYPE_ERROR,
  NBD_REPLY_TYPE_NONE,
  NBD_REPLY_TYPE_OFFSET_DATA,
  NBD_REPLY_TYPE_OFFSET_HOLE,
  NBD_STATE_HOLE,
  NBD_STATE_ZERO,
  decodeBlockStatusPayload,
  decodeChunkHeader,
  decodeErrorPayload,
  encodeErrorChunk,
  encodeNoneChunk,
  encodeOffsetDataHeader,
  encodeOffsetHoleChunk,
  isErrorChunk,
} from './structured.js';
import { checkRequest, transmissionFlags, validateRequest } from './validate.js';

const payloadOf = (chunk: Buffer): Buffer => chunk.subarray(20);

describe('structured reply chunks', () => {
  it('NONE: magic, DONE, type 0, cookie, no payload', () => {
    const chunk = encodeNoneChunk(0x1122334455667788n);
    assert.equal(chunk.toString('hex'), '668e33ef' + '0001' + '0000' + '1122334455667788' + '00000000');
    const header = decodeChunkHeader(chunk);
    assert.deepEqual(header, {
      magic: NBD_STRUCTURED_REPLY_MAGIC, flags: NBD_REPLY_FLAG_DONE, type: NBD_REPLY_TYPE_NONE,
      cookie: 0x1122334455667788n, length: 0,
    });
  });

  it('OFFSET_DATA header counts the offset and the data that follows it', () => {
    const chunk = encodeOffsetDataHeader(7n, 5 * 2 ** 32 + 3, 4096, false);
    assert.equal(chunk.length, 28);
    const header = decodeChunkHeader(chunk);
    assert.equal(header.type, NBD_REPLY_TYPE_OFFSET_DATA);
    assert.equal(header.flags, 0);
    assert.equal(header.length, 8 + 4096);
    assert.equal(chunk.readBigUInt64BE(20), 5n * 2n ** 32n + 3n);
  });

  it('OFFSET_HOLE: length 12, offset and hole size', () => {
    const chunk = encodeOffsetHoleChunk(9n, 1 << 20, 65536, true);
    const header = decodeChunkHeader(chunk);
    assert.deepEqual([header.type, header.flags, header.length], [NBD_REPLY_TYPE_OFFSET_HOLE, NBD_REPLY_FLAG_DONE, 12]);
    assert.equal(chunk.readBigUInt64BE(20), 1n << 20n);
    assert.equal(chunk.readUInt32BE(28), 65536);
  });

  it('ERROR: final, errno, message; long messages are cut at 4096 bytes on a character boundary', () => {
    const chunk = encodeErrorChunk(3n, NBD_EINVAL, 'bad request');
    const header = decodeChunkHeader(chunk);
    assert.equal(header.type, NBD_REPLY_TYPE_ERROR);
    assert.ok(isErrorChunk(header.type));
    assert.equal(header.flags, NBD_REPLY_FLAG_DONE);
    assert.equal(header.length, 6 + 'bad request'.length);
    assert.deepEqual(decodeErrorPayload(payloadOf(chunk)), { errno: NBD_EINVAL, message: 'bad request' });
    const long = decodeErrorPayload(payloadOf(encodeErrorChunk(3n, NBD_EINVAL, 'é'.repeat(3000))));
    assert.ok(Buffer.byteLength(long.message) <= MAX_ERROR_MESSAGE_BYTES);
    assert.equal(long.message, 'é'.repeat(2048));
  });

  it('BLOCK_STATUS: context id then (length, flags) descriptors; never empty', () => {
    const chunk = blockStatusChunk(5n, 1, [{ length: 4096, hole: false }, { length: 1 << 20, hole: true }], false);
    const header = decodeChunkHeader(chunk);
    assert.deepEqual([header.type, header.flags, header.length], [NBD_REPLY_TYPE_BLOCK_STATUS, NBD_REPLY_FLAG_DONE, 20]);
    assert.deepEqual(decodeBlockStatusPayload(payloadOf(chunk)), {
      contextId: 1,
      descriptors: [{ length: 4096, flags: 0 }, { length: 1 << 20, flags: NBD_STATE_HOLE | NBD_STATE_ZERO }],
    });
    const one = decodeBlockStatusPayload(payloadOf(blockStatusChunk(5n, 1, [
      { length: 10, hole: true }, { length: 20, hole: false }], true)));
    assert.deepEqual(one.descriptors, [{ length: 10, flags: 3 }], 'REQ_ONE: a single descriptor');
    const many = Array.from({ length: 5000 }, (_, i) => ({ length: 512, hole: i % 2 === 0 }));
    const capped = decodeBlockStatusPayload(payloadOf(blockStatusChunk(5n, 1, many, false)));
    assert.equal(capped.descriptors.length, MAX_BLOCK_STATUS_EXTENTS);
  });
});

describe('metadata context codec', () => {
  it('round-trips a request and a reply', () => {
    const data = encodeMetaContextRequest('disk', ['base:allocation', 'qemu:dirty-bitmap:x']);
    assert.deepEqual(decodeMetaContextRequest(data), { name: 'disk', queries: ['base:allocation', 'qemu:dirty-bitmap:x'] });
    assert.deepEqual(decodeMetaContextRequest(encodeMetaContextRequest('', [])), { name: '', queries: [] });
    assert.deepEqual(decodeMetaContextReply(encodeMetaContextReply(7, BASE_ALLOCATION)), { id: 7, name: BASE_ALLOCATION });
  });

  it('refuses data whose lengths do not add up', () => {
    const good = encodeMetaContextRequest('disk', ['base:allocation']);
    assert.equal(decodeMetaContextRequest(good.subarray(0, good.length - 1)), undefined, 'truncated');
    assert.equal(decodeMetaContextRequest(Buffer.concat([good, Buffer.from([0])])), undefined, 'trailing byte');
    const hugeCount = Buffer.from(good);
    hugeCount.writeUInt32BE(0xffffffff, 8);
    assert.equal(decodeMetaContextRequest(hugeCount), undefined, 'query count beyond the data');
    assert.equal(decodeMetaContextRequest(Buffer.alloc(3)), undefined);
    assert.equal(decodeMetaContextRequest(encodeMetaContextRequest('x'.repeat(4097), [])), undefined, 'name > 4096');
  });

  it('matches base:allocation: LIST lists all or the base: namespace, SET needs the exact name', () => {
    assert.deepEqual(matchContexts([], true), [BASE_ALLOCATION]);
    assert.deepEqual(matchContexts(['base:'], true), [BASE_ALLOCATION]);
    assert.deepEqual(matchContexts(['base:'], false), []);
    assert.deepEqual(matchContexts([], false), []);
    assert.deepEqual(matchContexts(['qemu:dirty-bitmap:a', 'base:allocation'], false), [BASE_ALLOCATION]);
    assert.deepEqual(matchContexts(['base:nothing', 'x-foo:bar', 'nocolon'], true), []);
  });
});

describe('deviceExtents', () => {
  const device = (answer: BlockExtent[] | undefined): BlockDevice => ({
    size: 1 << 30,
    read: async (_o, l) => Buffer.alloc(l),
    write: async () => undefined,
    flush: async () => undefined,
    trim: async () => undefined,
    writeZeroes: async () => undefined,
    ...(answer ? { blockStatus: async () => answer } : {}),
  });

  it('a device without blockStatus is all data', async () => {
    assert.deepEqual(await deviceExtents(device(undefined), 0, 1000), [{ length: 1000, hole: false }]);
  });

  it('merges, clips and fills in what the device left out as data', async () => {
    const answer = [{ length: 100, hole: true }, { length: 50, hole: true }, { length: 0, hole: false }];
    assert.deepEqual(await deviceExtents(device(answer), 0, 400), [{ length: 150, hole: true }, { length: 250, hole: false }]);
    assert.deepEqual(await deviceExtents(device([{ length: 1000, hole: true }]), 0, 300), [{ length: 300, hole: true }]);
    assert.deepEqual(await deviceExtents(device([{ length: -5, hole: true }]), 0, 10), [{ length: 10, hole: false }]);
  });
});

describe('validation with negotiated features', () => {
  const req = (type: number, flags: number, length: number, offset = 0n) => ({
    magic: 0, type, flags, length, offset, cookie: 1n,
  });
  const dev = { size: 1 << 20 };
  const structured = { structuredReplies: true };
  const withContext = { structuredReplies: true, allocationContextId: 1 };

  it('BLOCK_STATUS needs a selected context; REQ_ONE is valid only there', () => {
    assert.equal(validateRequest(req(NBD_CMD_BLOCK_STATUS, 0, 512), dev, false, 4096, structured), NBD_EINVAL);
    assert.equal(validateRequest(req(NBD_CMD_BLOCK_STATUS, NBD_CMD_FLAG_REQ_ONE, 512), dev, true, 4096, withContext), 0);
    assert.equal(validateRequest(req(NBD_CMD_BLOCK_STATUS, 0, 0), dev, false, 4096, withContext), NBD_EINVAL);
    assert.equal(validateRequest(req(NBD_CMD_BLOCK_STATUS, 0, 512, 1n << 20n), dev, false, 4096, withContext), NBD_EINVAL);
    // BLOCK_STATUS lengths are hints: no maximum block size applies.
    assert.equal(validateRequest(req(NBD_CMD_BLOCK_STATUS, 0, 1 << 20), dev, false, 4096, withContext), 0);
    assert.equal(validateRequest(req(NBD_CMD_READ, NBD_CMD_FLAG_REQ_ONE, 512), dev, false, 4096, withContext), NBD_EINVAL);
  });

  it('DF only with structured replies; an oversized DF read is EOVERFLOW, other oversized requests EINVAL', () => {
    assert.equal(validateRequest(req(NBD_CMD_READ, NBD_CMD_FLAG_DF, 512), dev, false, 4096), NBD_EINVAL);
    assert.equal(validateRequest(req(NBD_CMD_READ, NBD_CMD_FLAG_DF, 512), dev, false, 4096, structured), 0);
    assert.equal(validateRequest(req(NBD_CMD_READ, NBD_CMD_FLAG_DF, 8192), dev, false, 4096, structured), NBD_EOVERFLOW);
    assert.equal(validateRequest(req(NBD_CMD_READ, 0, 8192), dev, false, 4096, structured), NBD_EINVAL);
    assert.equal(validateRequest(req(NBD_CMD_WRITE, NBD_CMD_FLAG_DF, 512), dev, false, 4096, structured), NBD_EINVAL);
    assert.match(checkRequest(req(NBD_CMD_READ, 0, 8192), dev, false, 4096)?.message ?? '', /maximum block size 4096/);
  });

  it('flags: DF with structured replies, CAN_MULTI_CONN when the export shares its cache', () => {
    assert.equal(transmissionFlags(false), 0x6d);
    assert.equal(transmissionFlags(false, { structuredReplies: true }), 0xed);
    assert.equal(transmissionFlags(false, { multiConn: true }), 0x16d);
    assert.equal(transmissionFlags(true, { structuredReplies: true, multiConn: true }), 0x1ef);
  });
});
