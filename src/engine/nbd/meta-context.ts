/**
 * Metadata contexts (NBD_OPT_LIST_META_CONTEXT / NBD_OPT_SET_META_CONTEXT):
 * the request codec and query matching. The server knows one context,
 * `base:allocation`.
 */

export const BASE_ALLOCATION = 'base:allocation';
/** The protocol's limit on strings (export names, queries). */
const MAX_STRING_BYTES = 4096;

export interface MetaContextRequest {
  readonly name: string;
  readonly queries: readonly string[];
}

export function encodeMetaContextRequest(name: string, queries: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const nameBytes = Buffer.from(name, 'utf8');
  parts.push(u32(nameBytes.length), nameBytes, u32(queries.length));
  for (const query of queries) {
    const bytes = Buffer.from(query, 'utf8');
    parts.push(u32(bytes.length), bytes);
  }
  return Buffer.concat(parts);
}

/** Parses the option data; undefined when lengths do not add up or a string exceeds 4096 bytes. */
export function decodeMetaContextRequest(data: Buffer): MetaContextRequest | undefined {
  let at = 0;
  const string = (): string | undefined => {
    if (at + 4 > data.length) return undefined;
    const length = data.readUInt32BE(at);
    at += 4;
    if (length > MAX_STRING_BYTES || at + length > data.length) return undefined;
    const value = data.toString('utf8', at, at + length);
    at += length;
    return value;
  };
  const name = string();
  if (name === undefined || at + 4 > data.length) return undefined;
  const count = data.readUInt32BE(at);
  at += 4;
  // Each query takes at least 4 bytes: a count that cannot fit is malformed (and never loops long).
  if (count > (data.length - at) / 4) return undefined;
  const queries: string[] = [];
  for (let i = 0; i < count; i++) {
    const query = string();
    if (query === undefined) return undefined;
    queries.push(query);
  }
  return at === data.length ? { name, queries } : undefined;
}

/** Payload of NBD_REP_META_CONTEXT: context id, name. */
export function encodeMetaContextReply(id: number, name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  const buf = Buffer.alloc(4 + bytes.length);
  buf.writeUInt32BE(id, 0);
  bytes.copy(buf, 4);
  return buf;
}

export function decodeMetaContextReply(data: Buffer): { id: number; name: string } {
  return { id: data.readUInt32BE(0), name: data.toString('utf8', 4) };
}

/**
 * The contexts selected by `queries`. For LIST, no query means every context
 * and `base:` is a wildcard for the namespace; for SET, `base:` selects
 * nothing. Unknown namespaces and leaf names are ignored, as the spec requires.
 */
export function matchContexts(queries: readonly string[], forList: boolean): string[] {
  if (forList && queries.length === 0) return [BASE_ALLOCATION];
  const wanted = queries.some((q) => q === BASE_ALLOCATION || (forList && q === 'base:'));
  return wanted ? [BASE_ALLOCATION] : [];
}
