import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NbdDeviceError, toNbdErrno } from './errors.js';
import {
  NBD_CMD_CACHE,
  NBD_CMD_FLAG_DF,
  NBD_CMD_FLAG_FUA,
  NBD_CMD_FLAG_NO_HOLE,
  NBD_CMD_FLUSH,
  NBD_CMD_READ,
  NBD_CMD_TRIM,
  NBD_CMD_WRITE,
  NBD_CMD_WRITE_ZEROES,
  NBD_EINVAL,
  NBD_EIO,
  NBD_ENOSPC,
  NBD_EPERM,
  NBD_INFO_BLOCK_SIZE,
  NBD_INFO_NAME,
  NBD_OPT_GO,
  NBD_REP_ERR_UNSUP,
  NBD_REQUEST_MAGIC,
  decodeInfoRequest,
  decodeOptionHeader,
  decodeOptionReplyHeader,
  decodeRequestHeader,
  decodeSimpleReply,
  encodeExportNameReply,
  encodeInfoBlockSize,
  encodeInfoExport,
  encodeInfoName,
  encodeInfoRequest,
  encodeOptionHeader,
  encodeOptionReply,
  encodeRequestHeader,
  encodeServerEntry,
  encodeServerGreeting,
  encodeSimpleReply,
  isOptionReplyError,
  type RequestHeader,
} from './protocol.js';
import { transmissionFlags, validateRequest } from './transmission.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('NBD codec', () => {
  it('encodes the server greeting', () => {
    assert.equal(encodeServerGreeting(3).toString('latin1', 0, 16), 'NBDMAGICIHAVEOPT');
    assert.equal(hex(encodeServerGreeting(3).subarray(16)), '0003');
  });

  it('encodes and decodes option headers', () => {
    const buf = encodeOptionHeader(NBD_OPT_GO, 0x0102);
    assert.equal(hex(buf), '49484156454f5054' + '00000007' + '00000102');
    assert.deepEqual(decodeOptionHeader(buf), { magic: 0x49484156454f5054n, option: 7, length: 0x102 });
  });

  it('encodes option replies with their data', () => {
    const buf = encodeOptionReply(NBD_OPT_GO, NBD_REP_ERR_UNSUP, Buffer.from('no'));
    assert.equal(hex(buf), '0003e889045565a9' + '00000007' + '80000001' + '00000002' + '6e6f');
    assert.deepEqual(decodeOptionReplyHeader(buf), { magic: 0x3e889045565a9n, option: 7, type: 0x80000001, length: 2 });
    assert.equal(isOptionReplyError(0x80000001), true);
    assert.equal(isOptionReplyError(1), false);
  });

  it('encodes NBD_OPT_EXPORT_NAME replies with or without padding', () => {
    const padded = encodeExportNameReply(0x10000, 0x6d, false);
    assert.equal(padded.length, 134);
    assert.equal(hex(padded.subarray(0, 10)), '0000000000010000006d');
    assert.ok(padded.subarray(10).equals(Buffer.alloc(124)));
    assert.equal(hex(encodeExportNameReply(0x10000, 0x6d, true)), '0000000000010000006d');
  });

  it('encodes info replies and server entries', () => {
    assert.equal(hex(encodeInfoExport(2 ** 40, 0x6f)), '0000' + '0000010000000000' + '006f');
    assert.equal(hex(encodeInfoBlockSize(1, 4096, 32 << 20)), '0003' + '00000001' + '00001000' + '02000000');
    assert.equal(hex(encodeInfoName('ab')), '0001' + '6162');
    assert.equal(hex(encodeServerEntry('disk')), '00000004' + hex(Buffer.from('disk')));
  });

  it('round-trips NBD_OPT_INFO/GO data and rejects inconsistent lengths', () => {
    const data = encodeInfoRequest('vol-1', [NBD_INFO_NAME, NBD_INFO_BLOCK_SIZE]);
    assert.equal(hex(data), '00000005' + hex(Buffer.from('vol-1')) + '0002' + '0001' + '0003');
    assert.deepEqual(decodeInfoRequest(data), { name: 'vol-1', infos: [1, 3] });
    assert.deepEqual(decodeInfoRequest(encodeInfoRequest('', [])), { name: '', infos: [] });
    assert.equal(decodeInfoRequest(Buffer.alloc(5)), undefined, 'too short');
    assert.equal(decodeInfoRequest(Buffer.concat([data, Buffer.alloc(1)])), undefined, 'trailing byte');
    assert.equal(decodeInfoRequest(data.subarray(0, data.length - 2)), undefined, 'missing info request');
    const hugeName = Buffer.from(data);
    hugeName.writeUInt32BE(0xffffffff, 0);
    assert.equal(decodeInfoRequest(hugeName), undefined, 'name length past the end');
  });

  it('encodes and decodes request headers, including 64-bit fields', () => {
    const req: RequestHeader = {
      magic: NBD_REQUEST_MAGIC,
      flags: NBD_CMD_FLAG_FUA,
      type: NBD_CMD_WRITE,
      cookie: 0xfedcba9876543210n,
      offset: 0x0000_0123_4567_8000n,
      length: 0x10000,
    };
    const buf = encodeRequestHeader(req);
    assert.equal(hex(buf), '25609513' + '0001' + '0001' + 'fedcba9876543210' + '0000012345678000' + '00010000');
    assert.deepEqual(decodeRequestHeader(buf), req);
  });

  it('encodes and decodes simple replies', () => {
    const buf = encodeSimpleReply(0xffffffffffffffffn, NBD_EINVAL);
    assert.equal(hex(buf), '67446698' + '00000016' + 'ffffffffffffffff');
    assert.deepEqual(decodeSimpleReply(buf), { magic: 0x67446698, error: 22, cookie: 0xffffffffffffffffn });
  });
});

describe('transmission flags', () => {
  it('advertises flush, FUA, trim and write zeroes, plus read-only when asked', () => {
    assert.equal(transmissionFlags(false), 0x6d);
    assert.equal(transmissionFlags(true), 0x6f);
  });
});

describe('validateRequest', () => {
  const device = { size: 1 << 20 };
  const max = 64 * 1024;
  const check = (over: Partial<RequestHeader>, readOnly = false): number =>
    validateRequest(
      { magic: NBD_REQUEST_MAGIC, flags: 0, type: NBD_CMD_READ, cookie: 1n, offset: 0n, length: 512, ...over },
      device,
      readOnly,
      max,
    );

  it('accepts well-formed requests', () => {
    assert.equal(check({}), 0);
    assert.equal(check({ type: NBD_CMD_WRITE, flags: NBD_CMD_FLAG_FUA, offset: BigInt((1 << 20) - 512) }), 0);
    assert.equal(check({ type: NBD_CMD_FLUSH, length: 0 }), 0);
    assert.equal(check({ type: NBD_CMD_TRIM, length: 1 << 20 }), 0, 'trim is not bound by the payload limit');
    assert.equal(check({ type: NBD_CMD_WRITE_ZEROES, flags: NBD_CMD_FLAG_NO_HOLE | NBD_CMD_FLAG_FUA, length: 1 << 20 }), 0);
    assert.equal(check({ flags: NBD_CMD_FLAG_FUA }), 0, 'FUA is ignored on reads');
    assert.equal(check({ length: max }), 0);
  });

  it('rejects out-of-range requests: EINVAL for reads and trims, ENOSPC for writes', () => {
    assert.equal(check({ offset: BigInt(1 << 20), length: 1 }), NBD_EINVAL);
    assert.equal(check({ offset: BigInt((1 << 20) - 511) }), NBD_EINVAL);
    assert.equal(check({ type: NBD_CMD_TRIM, offset: 1n, length: 1 << 20 }), NBD_EINVAL);
    assert.equal(check({ type: NBD_CMD_WRITE, offset: BigInt(1 << 20) }), NBD_ENOSPC);
    assert.equal(check({ type: NBD_CMD_WRITE_ZEROES, offset: 0xffffffffffffffffn }), NBD_ENOSPC);
    assert.equal(check({ offset: 0xffffffffffffff00n, length: 0x1000 }), NBD_EINVAL, 'no 64-bit wrap-around');
  });

  it('rejects zero lengths, oversized payloads, bad flags and unknown commands', () => {
    assert.equal(check({ length: 0 }), NBD_EINVAL);
    assert.equal(check({ type: NBD_CMD_WRITE_ZEROES, length: 0 }), NBD_EINVAL);
    assert.equal(check({ length: max + 1 }), NBD_EINVAL);
    assert.equal(check({ type: NBD_CMD_WRITE, length: max + 1 }), NBD_EINVAL);
    assert.equal(check({ type: NBD_CMD_FLUSH, length: 1 }), NBD_EINVAL);
    assert.equal(check({ type: NBD_CMD_FLUSH, length: 0, offset: 4096n }), NBD_EINVAL);
    assert.equal(check({ flags: NBD_CMD_FLAG_DF }), NBD_EINVAL);
    assert.equal(check({ type: NBD_CMD_WRITE, flags: NBD_CMD_FLAG_NO_HOLE }), NBD_EINVAL);
    assert.equal(check({ flags: 0x8000 }), NBD_EINVAL);
    assert.equal(check({ type: NBD_CMD_CACHE }), NBD_EINVAL);
    assert.equal(check({ type: 0x7777 }), NBD_EINVAL);
  });

  it('refuses every modifying command on a read-only export with EPERM', () => {
    assert.equal(check({ type: NBD_CMD_WRITE }, true), NBD_EPERM);
    assert.equal(check({ type: NBD_CMD_TRIM }, true), NBD_EPERM);
    assert.equal(check({ type: NBD_CMD_WRITE_ZEROES }, true), NBD_EPERM);
    assert.equal(check({}, true), 0);
    assert.equal(check({ type: NBD_CMD_FLUSH, length: 0 }, true), 0);
  });
});

describe('toNbdErrno', () => {
  const coded = (code: string): Error => Object.assign(new Error(code), { code });

  it('maps errno codes and defaults to EIO', () => {
    assert.equal(toNbdErrno(coded('ENOSPC')), NBD_ENOSPC);
    assert.equal(toNbdErrno(coded('EDQUOT')), NBD_ENOSPC);
    assert.equal(toNbdErrno(coded('EFBIG')), NBD_ENOSPC);
    assert.equal(toNbdErrno(coded('EROFS')), NBD_EPERM);
    assert.equal(toNbdErrno(coded('EACCES')), NBD_EPERM);
    assert.equal(toNbdErrno(coded('EINVAL')), NBD_EINVAL);
    assert.equal(toNbdErrno(coded('ENOMEM')), 12);
    assert.equal(toNbdErrno(coded('EOPNOTSUPP')), 95);
    assert.equal(toNbdErrno(coded('ESHUTDOWN')), 108);
    assert.equal(toNbdErrno(coded('EBADF')), NBD_EIO);
    assert.equal(toNbdErrno(coded('toString')), NBD_EIO, 'no prototype lookups');
    assert.equal(toNbdErrno(new Error('boom')), NBD_EIO);
    assert.equal(toNbdErrno('string'), NBD_EIO);
    assert.equal(toNbdErrno(undefined), NBD_EIO);
  });

  it('lets a device choose the errno', () => {
    assert.equal(toNbdErrno(new NbdDeviceError(NBD_EPERM, 'frozen')), NBD_EPERM);
  });
});
