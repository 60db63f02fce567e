/**
 * NBD wire constants and a pure codec (no I/O). Values follow the public NBD
 * protocol description (NetworkBlockDevice/nbd doc/proto.md). All integers are
 * big-endian; 64-bit fields are bigints so nothing is silently rounded.
 */

// --- Magics -----------------------------------------------------------------
/** 'NBDMAGIC', first 8 bytes the server sends. */
export const NBD_INIT_MAGIC = 0x4e42444d41474943n;
/** 'IHAVEOPT': newstyle server magic and the magic of every client option. */
export const NBD_OPTS_MAGIC = 0x49484156454f5054n;
export const NBD_REP_MAGIC = 0x3e889045565a9n;
export const NBD_REQUEST_MAGIC = 0x25609513;
export const NBD_SIMPLE_REPLY_MAGIC = 0x67446698;
export const NBD_STRUCTURED_REPLY_MAGIC = 0x668e33ef;

// --- Handshake flags (server, 16 bits) and client flags (32 bits) ------------
export const NBD_FLAG_FIXED_NEWSTYLE = 1 << 0;
export const NBD_FLAG_NO_ZEROES = 1 << 1;
export const NBD_FLAG_C_FIXED_NEWSTYLE = 1 << 0;
export const NBD_FLAG_C_NO_ZEROES = 1 << 1;

// --- Options -----------------------------------------------------------------
export const NBD_OPT_EXPORT_NAME = 1;
export const NBD_OPT_ABORT = 2;
export const NBD_OPT_LIST = 3;
export const NBD_OPT_PEEK_EXPORT = 4;
export const NBD_OPT_STARTTLS = 5;
export const NBD_OPT_INFO = 6;
export const NBD_OPT_GO = 7;
export const NBD_OPT_STRUCTURED_REPLY = 8;
export const NBD_OPT_LIST_META_CONTEXT = 9;
export const NBD_OPT_SET_META_CONTEXT = 10;
export const NBD_OPT_EXTENDED_HEADERS = 11;

// --- Option replies ------------------------------------------------------------
export const NBD_REP_ACK = 1;
export const NBD_REP_SERVER = 2;
export const NBD_REP_INFO = 3;
export const NBD_REP_META_CONTEXT = 4;
const NBD_REP_FLAG_ERROR = 0x80000000;
export const NBD_REP_ERR_UNSUP = NBD_REP_FLAG_ERROR + 1;
export const NBD_REP_ERR_POLICY = NBD_REP_FLAG_ERROR + 2;
export const NBD_REP_ERR_INVALID = NBD_REP_FLAG_ERROR + 3;
export const NBD_REP_ERR_PLATFORM = NBD_REP_FLAG_ERROR + 4;
export const NBD_REP_ERR_TLS_REQD = NBD_REP_FLAG_ERROR + 5;
export const NBD_REP_ERR_UNKNOWN = NBD_REP_FLAG_ERROR + 6;
export const NBD_REP_ERR_SHUTDOWN = NBD_REP_FLAG_ERROR + 7;
export const NBD_REP_ERR_BLOCK_SIZE_REQD = NBD_REP_FLAG_ERROR + 8;
export const NBD_REP_ERR_TOO_BIG = NBD_REP_FLAG_ERROR + 9;

export function isOptionReplyError(type: number): boolean {
  return type >= NBD_REP_FLAG_ERROR;
}

// --- NBD_REP_INFO types --------------------------------------------------------
export const NBD_INFO_EXPORT = 0;
export const NBD_INFO_NAME = 1;
export const NBD_INFO_DESCRIPTION = 2;
export const NBD_INFO_BLOCK_SIZE = 3;

// --- Transmission flags (16 bits) -----------------------------------------------
export const NBD_FLAG_HAS_FLAGS = 1 << 0;
export const NBD_FLAG_READ_ONLY = 1 << 1;
export const NBD_FLAG_SEND_FLUSH = 1 << 2;
export const NBD_FLAG_SEND_FUA = 1 << 3;
export const NBD_FLAG_ROTATIONAL = 1 << 4;
export const NBD_FLAG_SEND_TRIM = 1 << 5;
export const NBD_FLAG_SEND_WRITE_ZEROES = 1 << 6;
export const NBD_FLAG_SEND_DF = 1 << 7;
export const NBD_FLAG_CAN_MULTI_CONN = 1 << 8;
export const NBD_FLAG_SEND_CACHE = 1 << 10;
export const NBD_FLAG_SEND_FAST_ZERO = 1 << 11;

// --- Commands and command flags --------------------------------------------------
export const NBD_CMD_READ = 0;
export const NBD_CMD_WRITE = 1;
export const NBD_CMD_DISC = 2;
export const NBD_CMD_FLUSH = 3;
export const NBD_CMD_TRIM = 4;
export const NBD_CMD_CACHE = 5;
export const NBD_CMD_WRITE_ZEROES = 6;
export const NBD_CMD_BLOCK_STATUS = 7;
export const NBD_CMD_RESIZE = 8;

export const NBD_CMD_FLAG_FUA = 1 << 0;
export const NBD_CMD_FLAG_NO_HOLE = 1 << 1;
export const NBD_CMD_FLAG_DF = 1 << 2;
export const NBD_CMD_FLAG_REQ_ONE = 1 << 3;
export const NBD_CMD_FLAG_FAST_ZERO = 1 << 4;

// --- Errno values on the wire (Linux numbering, fixed by the protocol) ---------
export const NBD_EPERM = 1;
export const NBD_EIO = 5;
export const NBD_ENOMEM = 12;
export const NBD_EINVAL = 22;
export const NBD_ENOSPC = 28;
export const NBD_EOVERFLOW = 75;
export const NBD_ENOTSUP = 95;
export const NBD_ESHUTDOWN = 108;

// --- Sizes ------------------------------------------------------------------------
export const SERVER_GREETING_LENGTH = 18;
export const OPTION_HEADER_LENGTH = 16;
export const OPTION_REPLY_HEADER_LENGTH = 20;
export const REQUEST_HEADER_LENGTH = 28;
export const SIMPLE_REPLY_LENGTH = 16;
/** Zero padding after the NBD_OPT_EXPORT_NAME reply unless NO_ZEROES was agreed. */
export const EXPORT_NAME_PADDING = 124;

// --- Codec: handshake --------------------------------------------------------------
export function encodeServerGreeting(handshakeFlags: number): Buffer {
  const buf = Buffer.alloc(SERVER_GREETING_LENGTH);
  buf.writeBigUInt64BE(NBD_INIT_MAGIC, 0);
  buf.writeBigUInt64BE(NBD_OPTS_MAGIC, 8);
  buf.writeUInt16BE(handshakeFlags, 16);
  return buf;
}

export interface OptionHeader {
  readonly magic: bigint;
  readonly option: number;
  readonly length: number;
}

export function encodeOptionHeader(option: number, length: number, magic = NBD_OPTS_MAGIC): Buffer {
  const buf = Buffer.alloc(OPTION_HEADER_LENGTH);
  buf.writeBigUInt64BE(magic, 0);
  buf.writeUInt32BE(option, 8);
  buf.writeUInt32BE(length, 12);
  return buf;
}

export function decodeOptionHeader(buf: Buffer): OptionHeader {
  return { magic: buf.readBigUInt64BE(0), option: buf.readUInt32BE(8), length: buf.readUInt32BE(12) };
}

export interface OptionReplyHeader {
  readonly magic: bigint;
  readonly option: number;
  readonly type: number;
  readonly length: number;
}

/** One complete option reply (header + data) as a single buffer. */
export function encodeOptionReply(option: number, type: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const buf = Buffer.alloc(OPTION_REPLY_HEADER_LENGTH + data.length);
  buf.writeBigUInt64BE(NBD_REP_MAGIC, 0);
  buf.writeUInt32BE(option, 8);
  buf.writeUInt32BE(type, 12);
  buf.writeUInt32BE(data.length, 16);
  data.copy(buf, OPTION_REPLY_HEADER_LENGTH);
  return buf;
}

export function decodeOptionReplyHeader(buf: Buffer): OptionReplyHeader {
  return {
    magic: buf.readBigUInt64BE(0),
    option: buf.readUInt32BE(8),
    type: buf.readUInt32BE(12),
    length: buf.readUInt32BE(16),
  };
}

/** Reply to NBD_OPT_EXPORT_NAME: size, transmission flags, optional zero padding. */
export function encodeExportNameReply(size: number, transmissionFlags: number, noZeroes: boolean): Buffer {
  const buf = Buffer.alloc(10 + (noZeroes ? 0 : EXPORT_NAME_PADDING));
  buf.writeBigUInt64BE(BigInt(size), 0);
  buf.writeUInt16BE(transmissionFlags, 8);
  return buf;
}

/** Payload of NBD_REP_SERVER: 32-bit name length, name. */
export function encodeServerEntry(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  const buf = Buffer.alloc(4 + bytes.length);
  buf.writeUInt32BE(bytes.length, 0);
  bytes.copy(buf, 4);
  return buf;
}

export function encodeInfoExport(size: number, transmissionFlags: number): Buffer {
  const buf = Buffer.alloc(12);
  buf.writeUInt16BE(NBD_INFO_EXPORT, 0);
  buf.writeBigUInt64BE(BigInt(size), 2);
  buf.writeUInt16BE(transmissionFlags, 10);
  return buf;
}

export function encodeInfoName(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  const buf = Buffer.alloc(2 + bytes.length);
  buf.writeUInt16BE(NBD_INFO_NAME, 0);
  bytes.copy(buf, 2);
  return buf;
}

export function encodeInfoBlockSize(minimum: number, preferred: number, maximum: number): Buffer {
  const buf = Buffer.alloc(14);
  buf.writeUInt16BE(NBD_INFO_BLOCK_SIZE, 0);
  buf.writeUInt32BE(minimum, 2);
  buf.writeUInt32BE(preferred, 6);
  buf.writeUInt32BE(maximum, 10);
  return buf;
}

/** Data of NBD_OPT_INFO / NBD_OPT_GO. */
export interface InfoRequest {
  readonly name: string;
  readonly infos: readonly number[];
}

export function encodeInfoRequest(name: string, infos: readonly number[]): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  const buf = Buffer.alloc(4 + bytes.length + 2 + 2 * infos.length);
  buf.writeUInt32BE(bytes.length, 0);
  bytes.copy(buf, 4);
  buf.writeUInt16BE(infos.length, 4 + bytes.length);
  infos.forEach((info, i) => buf.writeUInt16BE(info, 6 + bytes.length + 2 * i));
  return buf;
}

/** Parses NBD_OPT_INFO / NBD_OPT_GO data; undefined when the lengths do not add up. */
export function decodeInfoRequest(data: Buffer): InfoRequest | undefined {
  if (data.length < 6) return undefined;
  const nameLength = data.readUInt32BE(0);
  if (nameLength > data.length - 6) return undefined;
  const count = data.readUInt16BE(4 + nameLength);
  if (data.length !== 6 + nameLength + 2 * count) return undefined;
  const name = data.toString('utf8', 4, 4 + nameLength);
  const infos: number[] = [];
  for (let i = 0; i < count; i++) infos.push(data.readUInt16BE(6 + nameLength + 2 * i));
  return { name, infos };
}

// --- Codec: transmission -------------------------------------------------------------
export interface RequestHeader {
  readonly magic: number;
  readonly flags: number;
  readonly type: number;
  readonly cookie: bigint;
  readonly offset: bigint;
  readonly length: number;
}

export function encodeRequestHeader(req: Omit<RequestHeader, 'magic'> & { magic?: number }): Buffer {
  const buf = Buffer.alloc(REQUEST_HEADER_LENGTH);
  buf.writeUInt32BE(req.magic ?? NBD_REQUEST_MAGIC, 0);
  buf.writeUInt16BE(req.flags, 4);
  buf.writeUInt16BE(req.type, 6);
  buf.writeBigUInt64BE(req.cookie, 8);
  buf.writeBigUInt64BE(req.offset, 16);
  buf.writeUInt32BE(req.length, 24);
  return buf;
}

export function decodeRequestHeader(buf: Buffer): RequestHeader {
  return {
    magic: buf.readUInt32BE(0),
    flags: buf.readUInt16BE(4),
    type: buf.readUInt16BE(6),
    cookie: buf.readBigUInt64BE(8),
    offset: buf.readBigUInt64BE(16),
    length: buf.readUInt32BE(24),
  };
}

export interface SimpleReply {
  readonly magic: number;
  readonly error: number;
  readonly cookie: bigint;
}

export function encodeSimpleReply(cookie: bigint, error: number): Buffer {
  const buf = Buffer.alloc(SIMPLE_REPLY_LENGTH);
  buf.writeUInt32BE(NBD_SIMPLE_REPLY_MAGIC, 0);
  buf.writeUInt32BE(error, 4);
  buf.writeBigUInt64BE(cookie, 8);
  return buf;
}

export function decodeSimpleReply(buf: Buffer): SimpleReply {
  return { magic: buf.readUInt32BE(0), error: buf.readUInt32BE(4), cookie: buf.readBigUInt64BE(8) };
}
