/**
 * Structured reply chunks (NBD_OPT_STRUCTURED_REPLY): constants and a pure
 * codec. A chunk is a 20-byte header (magic, flags, type, cookie, length)
 * followed by `length` bytes of payload; the last chunk of a reply carries
 * NBD_REPLY_FLAG_DONE.
 */
import { NBD_STRUCTURED_REPLY_MAGIC } from './protocol.js';

export const NBD_REPLY_FLAG_DONE = 1 << 0;

export const NBD_REPLY_TYPE_NONE = 0;
export const NBD_REPLY_TYPE_OFFSET_DATA = 1;
export const NBD_REPLY_TYPE_OFFSET_HOLE = 2;
export const NBD_REPLY_TYPE_BLOCK_STATUS = 5;
export const NBD_REPLY_TYPE_ERROR = (1 << 15) + 1;
export const NBD_REPLY_TYPE_ERROR_OFFSET = (1 << 15) + 2;

/** `base:allocation` status flags. */
export const NBD_STATE_HOLE = 1 << 0;
export const NBD_STATE_ZERO = 1 << 1;

export const STRUCTURED_REPLY_HEADER_LENGTH = 20;
/** Error messages are protocol strings: at most 4096 bytes. */
export const MAX_ERROR_MESSAGE_BYTES = 4096;

export interface ChunkHeader {
  readonly magic: number;
  readonly flags: number;
  readonly type: number;
  readonly cookie: bigint;
  readonly length: number;
}

export function isErrorChunk(type: number): boolean {
  return (type & (1 << 15)) !== 0;
}

/** A chunk header followed by `extra` bytes of room for the start of the payload. */
function header(cookie: bigint, type: number, done: boolean, payloadLength: number, extra = 0): Buffer {
  const buf = Buffer.alloc(STRUCTURED_REPLY_HEADER_LENGTH + extra);
  buf.writeUInt32BE(NBD_STRUCTURED_REPLY_MAGIC, 0);
  buf.writeUInt16BE(done ? NBD_REPLY_FLAG_DONE : 0, 4);
  buf.writeUInt16BE(type, 6);
  buf.writeBigUInt64BE(cookie, 8);
  buf.writeUInt32BE(payloadLength, 16);
  return buf;
}

export function decodeChunkHeader(buf: Buffer): ChunkHeader {
  return {
    magic: buf.readUInt32BE(0),
    flags: buf.readUInt16BE(4),
    type: buf.readUInt16BE(6),
    cookie: buf.readBigUInt64BE(8),
    length: buf.readUInt32BE(16),
  };
}

/** NBD_REPLY_TYPE_NONE with DONE: success of a command without payload. */
export function encodeNoneChunk(cookie: bigint): Buffer {
  return header(cookie, NBD_REPLY_TYPE_NONE, true, 0);
}

/**
 * Header and offset of an NBD_REPLY_TYPE_OFFSET_DATA chunk (28 bytes); the
 * `dataLength` bytes of data are sent after it, uncopied.
 */
export function encodeOffsetDataHeader(cookie: bigint, offset: number, dataLength: number, done: boolean): Buffer {
  const buf = header(cookie, NBD_REPLY_TYPE_OFFSET_DATA, done, 8 + dataLength, 8);
  buf.writeBigUInt64BE(BigInt(offset), STRUCTURED_REPLY_HEADER_LENGTH);
  return buf;
}

/** NBD_REPLY_TYPE_OFFSET_HOLE: `length` bytes at `offset` read as zeroes. */
export function encodeOffsetHoleChunk(cookie: bigint, offset: number, length: number, done: boolean): Buffer {
  const buf = header(cookie, NBD_REPLY_TYPE_OFFSET_HOLE, done, 12, 12);
  buf.writeBigUInt64BE(BigInt(offset), STRUCTURED_REPLY_HEADER_LENGTH);
  buf.writeUInt32BE(length, STRUCTURED_REPLY_HEADER_LENGTH + 8);
  return buf;
}

/** Truncates `message` to the protocol's string limit without splitting a UTF-8 sequence. */
function messageBytes(message: string): Buffer {
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= MAX_ERROR_MESSAGE_BYTES) return bytes;
  let end = MAX_ERROR_MESSAGE_BYTES;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/** NBD_REPLY_TYPE_ERROR (always final here): errno and a human-readable message. */
export function encodeErrorChunk(cookie: bigint, errno: number, message: string): Buffer {
  const text = messageBytes(message);
  const buf = header(cookie, NBD_REPLY_TYPE_ERROR, true, 6 + text.length, 6 + text.length);
  buf.writeUInt32BE(errno, STRUCTURED_REPLY_HEADER_LENGTH);
  buf.writeUInt16BE(text.length, STRUCTURED_REPLY_HEADER_LENGTH + 4);
  text.copy(buf, STRUCTURED_REPLY_HEADER_LENGTH + 6);
  return buf;
}

export interface ErrorPayload {
  readonly errno: number;
  readonly message: string;
}

/** Errno and message of an error chunk's payload (either error type). */
export function decodeErrorPayload(payload: Buffer): ErrorPayload {
  const length = payload.readUInt16BE(4);
  return { errno: payload.readUInt32BE(0), message: payload.toString('utf8', 6, 6 + length) };
}

export interface BlockDescriptor {
  readonly length: number;
  readonly flags: number;
}

/** NBD_REPLY_TYPE_BLOCK_STATUS for one metadata context (at least one descriptor). */
export function encodeBlockStatusChunk(
  cookie: bigint,
  contextId: number,
  descriptors: readonly BlockDescriptor[],
  done: boolean,
): Buffer {
  if (descriptors.length === 0) throw new RangeError('a block status chunk needs at least one descriptor');
  const payload = 4 + 8 * descriptors.length;
  const buf = header(cookie, NBD_REPLY_TYPE_BLOCK_STATUS, done, payload, payload);
  buf.writeUInt32BE(contextId, STRUCTURED_REPLY_HEADER_LENGTH);
  descriptors.forEach((d, i) => {
    buf.writeUInt32BE(d.length, STRUCTURED_REPLY_HEADER_LENGTH + 4 + 8 * i);
    buf.writeUInt32BE(d.flags, STRUCTURED_REPLY_HEADER_LENGTH + 8 + 8 * i);
  });
  return buf;
}

export interface BlockStatusPayload {
  readonly contextId: number;
  readonly descriptors: BlockDescriptor[];
}

export function decodeBlockStatusPayload(payload: Buffer): BlockStatusPayload {
  const descriptors: BlockDescriptor[] = [];
  for (let at = 4; at + 8 <= payload.length; at += 8) {
    descriptors.push({ length: payload.readUInt32BE(at), flags: payload.readUInt32BE(at + 4) });
  }
  return { contextId: payload.readUInt32BE(0), descriptors };
}
