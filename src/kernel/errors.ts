/**
 * The one error type that crosses layers: a code from the catalog, its HTTP
 * status and its rendered message. Every layer throws these (or plain Errors,
 * which the gateway maps to `InternalError`); only the gateway renders them.
 */
export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  /** Message template; each `%s` is replaced by one argument in order. */
  readonly message: string;
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra headers the gateway should send (e.g. x-acs-retry-after). */
  readonly headers: Record<string, string>;

  constructor(spec: ErrorSpec, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = spec.code;
    this.status = spec.status;
    this.headers = headers;
  }
}

function fill(template: string, args: readonly string[]): string {
  let i = 0;
  return template.replace(/%s/g, () => args[i++] ?? '');
}

/** Builds the error for `spec`, filling `%s` in both code and message with `args`. */
export function apiError(spec: ErrorSpec, ...args: string[]): ApiError {
  const codeArgs = (spec.code.match(/%s/g) ?? []).length;
  const code = fill(spec.code, args.slice(0, codeArgs));
  // Code and message share the arguments: `InvalidParameter.%s` / "The specified field %s …".
  const message = fill(spec.message, args);
  return new ApiError({ ...spec, code }, message);
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
