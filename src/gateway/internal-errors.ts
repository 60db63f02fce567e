/**
 * Framework and unexpected errors become catalog errors. A failing database (SQLite's SQLITE_FULL,
 * SQLITE_IOERR_*, SQLITE_BUSY, SQLITE_CORRUPT…) or a full or failing disk (ENOSPC, EIO, EDQUOT, EROFS) answers
 * the specification's `System.SystemError`; anything else unexpected `InternalError`. Both are logged, and
 * neither shows the cause to the client.
 */
import { apiError, type ApiError, isApiError } from '../kernel/errors.js';
import { Gateway, Spec } from '../kernel/catalog.js';

const SYSTEM_ERRNOS = new Set(['ENOSPC', 'EIO', 'EDQUOT', 'EROFS']);

export function toApiError(err: unknown, log?: (msg: string) => void): ApiError {
  if (isApiError(err)) return err;
  const code = codeOf(err);
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return apiError(Gateway.RequestTooLarge);
  // The client went away mid-body (Node's `aborted`): nobody reads the answer, and it is not our failure, so it
  // is not logged (a client could otherwise fill the log with stack traces).
  if (code === 'ECONNRESET') return apiError(Gateway.MalformedRequest);
  if (code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' || code === 'FST_ERR_CTP_EMPTY_TYPE') {
    return apiError(Gateway.InvalidEncoding);
  }
  const detail = err instanceof Error ? err.stack ?? err.message : String(err);
  if (isSystemFailure(err)) {
    log?.(`system error: ${detail}`);
    return apiError(Spec['System.SystemError']!);
  }
  log?.(`internal error: ${detail}`);
  return apiError(Gateway.InternalError);
}

/** A storage failure: a SQLite error code or a disk errno, on the error or anywhere in its `cause` chain. */
export function isSystemFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const code = codeOf(e);
    if (code !== undefined && (code.startsWith('SQLITE_') || SYSTEM_ERRNOS.has(code))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
