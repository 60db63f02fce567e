/**
 * What a request may do, decided before it reaches the device (nbdkit
 * `validate_request` style), and the transmission flags that advertise it.
 */
import {
  NBD_CMD_BLOCK_STATUS,
  NBD_CMD_FLAG_DF,
  NBD_CMD_FLAG_FUA,
  NBD_CMD_FLAG_NO_HOLE,
  NBD_CMD_FLAG_REQ_ONE,
  NBD_CMD_FLUSH,
  NBD_CMD_READ,
  NBD_CMD_TRIM,
  NBD_CMD_WRITE,
  NBD_CMD_WRITE_ZEROES,
  NBD_EINVAL,
  NBD_ENOSPC,
  NBD_EOVERFLOW,
  NBD_EPERM,
  NBD_FLAG_CAN_MULTI_CONN,
  NBD_FLAG_HAS_FLAGS,
  NBD_FLAG_READ_ONLY,
  NBD_FLAG_SEND_DF,
  NBD_FLAG_SEND_FLUSH,
  NBD_FLAG_SEND_FUA,
  NBD_FLAG_SEND_TRIM,
  NBD_FLAG_SEND_WRITE_ZEROES,
  type RequestHeader,
} from './protocol.js';

/** What the client negotiated during the handshake that changes transmission. */
export interface SessionFeatures {
  /** NBD_OPT_STRUCTURED_REPLY was acknowledged. */
  readonly structuredReplies: boolean;
  /** Id of `base:allocation` when selected (NBD_OPT_SET_META_CONTEXT) for this export. */
  readonly allocationContextId?: number | undefined;
}

export const SIMPLE_SESSION: SessionFeatures = { structuredReplies: false };

export interface FlagOptions {
  readonly structuredReplies?: boolean;
  readonly multiConn?: boolean;
}

/** Transmission flags advertised for an export. */
export function transmissionFlags(readOnly: boolean, options: FlagOptions = {}): number {
  let flags =
    NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_TRIM | NBD_FLAG_SEND_WRITE_ZEROES;
  if (readOnly) flags |= NBD_FLAG_READ_ONLY;
  // DF needs structured replies (the spec forbids it without them).
  if (options.structuredReplies) flags |= NBD_FLAG_SEND_DF;
  if (options.multiConn) flags |= NBD_FLAG_CAN_MULTI_CONN;
  return flags;
}

export interface Rejection {
  readonly errno: number;
  readonly message: string;
}

const WRITE_LIKE = new Set([NBD_CMD_WRITE, NBD_CMD_TRIM, NBD_CMD_WRITE_ZEROES]);
const NEEDS_LENGTH = new Set([NBD_CMD_READ, NBD_CMD_WRITE, NBD_CMD_TRIM, NBD_CMD_WRITE_ZEROES, NBD_CMD_BLOCK_STATUS]);
const BASIC = [NBD_CMD_READ, NBD_CMD_WRITE, NBD_CMD_FLUSH, NBD_CMD_TRIM, NBD_CMD_WRITE_ZEROES];

/** Command flags valid for `type` in this session. */
function allowedFlags(type: number, session: SessionFeatures): number {
  // FUA is valid (and ignored where meaningless) on every command.
  let allowed = NBD_CMD_FLAG_FUA;
  if (type === NBD_CMD_WRITE_ZEROES) allowed |= NBD_CMD_FLAG_NO_HOLE;
  if (type === NBD_CMD_READ && session.structuredReplies) allowed |= NBD_CMD_FLAG_DF;
  if (type === NBD_CMD_BLOCK_STATUS) allowed |= NBD_CMD_FLAG_REQ_ONE;
  return allowed;
}

const reject = (errno: number, message: string): Rejection => ({ errno, message });

/** Is the command known in this session, with flags valid for it, allowed on this export? */
function checkCommand(req: RequestHeader, readOnly: boolean, session: SessionFeatures): Rejection | undefined {
  const { type, flags } = req;
  if (type === NBD_CMD_BLOCK_STATUS) {
    if (session.allocationContextId === undefined) {
      return reject(NBD_EINVAL, 'NBD_CMD_BLOCK_STATUS without a metadata context selected for this export');
    }
  } else if (!BASIC.includes(type)) {
    return reject(NBD_EINVAL, `unsupported command ${type}`);
  }
  if ((flags & ~allowedFlags(type, session)) !== 0) {
    return reject(NBD_EINVAL, `command flags 0x${flags.toString(16)} are not valid for command ${type}`);
  }
  if (readOnly && WRITE_LIKE.has(type)) return reject(NBD_EPERM, 'the export is read-only');
  return undefined;
}

/** Are offset and length acceptable: non-empty, within the maximum block size and the export? */
function checkRange(req: RequestHeader, size: number, maxPayload: number): Rejection | undefined {
  const { type, flags, length, offset } = req;
  if (type === NBD_CMD_FLUSH) {
    return offset === 0n && length === 0 ? undefined : reject(NBD_EINVAL, 'NBD_CMD_FLUSH with offset or length');
  }
  if (NEEDS_LENGTH.has(type) && length === 0) return reject(NBD_EINVAL, 'zero-length request');
  if ((type === NBD_CMD_READ || type === NBD_CMD_WRITE) && length > maxPayload) {
    // A DF read is "too large to send unfragmented": EOVERFLOW, as the spec names it; else EINVAL.
    const errno = type === NBD_CMD_READ && (flags & NBD_CMD_FLAG_DF) !== 0 ? NBD_EOVERFLOW : NBD_EINVAL;
    return reject(errno, `length ${length} exceeds the maximum block size ${maxPayload}`);
  }
  if (offset + BigInt(length) > BigInt(size)) {
    const errno = type === NBD_CMD_WRITE || type === NBD_CMD_WRITE_ZEROES ? NBD_ENOSPC : NBD_EINVAL;
    return reject(errno, `range ${offset}+${length} is beyond the end of the export (${size} bytes)`);
  }
  return undefined;
}

/** undefined when `req` may reach the device, else the errno (and message) to answer with. */
export function checkRequest(
  req: RequestHeader,
  device: { readonly size: number },
  readOnly: boolean,
  maxPayload: number,
  session: SessionFeatures = SIMPLE_SESSION,
): Rejection | undefined {
  return checkCommand(req, readOnly, session) ?? checkRange(req, device.size, maxPayload);
}

/** 0 when `req` may reach the device, else the errno to answer with. */
export function validateRequest(
  req: RequestHeader,
  device: { readonly size: number },
  readOnly: boolean,
  maxPayload: number,
  session: SessionFeatures = SIMPLE_SESSION,
): number {
  return checkRequest(req, device, readOnly, maxPayload, session)?.errno ?? 0;
}
