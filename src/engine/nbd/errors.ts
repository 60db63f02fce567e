/**
 * Errors of the NBD server: how a device failure becomes an NBD errno (one
 * function, `toNbdErrno`), and the two reasons a connection ends early.
 */
import {
  NBD_EINVAL,
  NBD_EIO,
  NBD_ENOMEM,
  NBD_ENOSPC,
  NBD_ENOTSUP,
  NBD_EOVERFLOW,
  NBD_EPERM,
  NBD_ESHUTDOWN,
} from './protocol.js';

/** The peer closed (or reset) the socket, or the server dropped it; not a fault. */
export class ConnectionClosedError extends Error {
  constructor(message = 'connection closed') {
    super(message);
    this.name = 'ConnectionClosedError';
  }
}

/** The peer broke a MUST of the protocol in a way that leaves the stream unusable: hard disconnect. */
export class ProtocolViolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolViolationError';
  }
}

/**
 * A device may throw this to choose the NBD errno itself (e.g. EPERM for a
 * volume that became read-only); anything else is mapped from `code`.
 */
export class NbdDeviceError extends Error {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = 'NbdDeviceError';
  }
}

const BY_CODE: Readonly<Record<string, number>> = {
  EPERM: NBD_EPERM,
  EACCES: NBD_EPERM,
  EROFS: NBD_EPERM,
  EIO: NBD_EIO,
  ENOMEM: NBD_ENOMEM,
  EINVAL: NBD_EINVAL,
  ERANGE: NBD_EINVAL,
  ENOSPC: NBD_ENOSPC,
  EDQUOT: NBD_ENOSPC,
  EFBIG: NBD_ENOSPC,
  EOVERFLOW: NBD_EOVERFLOW,
  ENOTSUP: NBD_ENOTSUP,
  EOPNOTSUPP: NBD_ENOTSUP,
  ESHUTDOWN: NBD_ESHUTDOWN,
};

/** The errno sent to the client for a failed device operation; EIO unless recognisable. */
export function toNbdErrno(err: unknown): number {
  if (err instanceof NbdDeviceError) return err.errno;
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(BY_CODE, code)) return BY_CODE[code] ?? NBD_EIO;
  }
  return NBD_EIO;
}
