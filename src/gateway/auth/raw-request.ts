/**
 * The HTTP request exactly as the server received it, before any parsing.
 * The HTTP layer builds this from Node's `IncomingMessage` (or fastify's
 * request) plus the fully read, de-chunked body bytes.
 */
export interface RawHttpRequest {
  method: string;
  /** Path plus raw query exactly as received, e.g. `/?Action=...` (no scheme or host). */
  url: string;
  /** Node-style header record: lower-cased names; repeated headers as arrays. */
  headers: Record<string, string | string[] | undefined>;
  /** The exact body bytes (after transfer decoding); empty for GET / no body. */
  body: Buffer;
}

/**
 * One header's value, or `undefined` when absent. The name is matched
 * case-insensitively; a repeated header is joined with `, ` as Node does.
 */
export function headerValue(raw: RawHttpRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(raw.headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return undefined;
}
