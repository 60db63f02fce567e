/**
 * The Condition block of a RAM statement, for the four common keys edgesnap
 * knows: `acs:SourceIp`, `acs:SecureTransport`, `acs:CurrentTime`,
 * `acs:MFAPresent`. Any other key or operator is refused at parse time: a
 * condition silently ignored would make a Deny statement grant too much.
 *
 * RAM's logic: every operator block and every key in it must hold (AND); a key
 * given several values holds if any value matches (OR), and a negated operator
 * (`StringNotEquals`, `NotIpAddress`, …) holds if none matches. Operators are
 * case-sensitive, as are the `String*` operators except the `IgnoreCase` ones;
 * key names are compared case-insensitively.
 *
 * Which operators go with which key (anything else is a parse error):
 *   acs:SourceIp                     IpAddress, NotIpAddress (IPv4, CIDR or single address),
 *                                    String* (StringEquals, StringLike, … and their Not / IgnoreCase forms)
 *   acs:SecureTransport, MFAPresent  Bool (exactly one value: true / false)
 *   acs:CurrentTime                  DateEquals, DateNotEquals, DateLessThan(Equals), DateGreaterThan(Equals)
 *                                    (ISO 8601 with a zone: `2026-01-01T00:00:00Z`, `…+08:00`)
 */
import { PolicyError } from './policy-error.js';
import { wildcardMatch } from './wildcard.js';

/** What the gateway knows about the request; a key a condition names but the context lacks is "unknown". */
export interface RequestContext {
  sourceIp?: string;
  secureTransport?: boolean;
  /** Milliseconds since the epoch (the injected Clock's `now()`). */
  currentTime?: number;
  mfaPresent?: boolean;
}

/** One compiled `Operator: { Key: values }` entry. `test` answers undefined when the context lacks the key. */
export interface ConditionClause {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
  readonly test: (ctx: RequestContext) => boolean | undefined;
}

type KeyKind = 'ip' | 'bool' | 'date';
const KEYS: Record<string, { name: string; kind: KeyKind; read: (c: RequestContext) => unknown }> = {
  'acs:sourceip': { name: 'acs:SourceIp', kind: 'ip', read: (c) => c.sourceIp },
  'acs:securetransport': { name: 'acs:SecureTransport', kind: 'bool', read: (c) => c.secureTransport },
  'acs:currenttime': { name: 'acs:CurrentTime', kind: 'date', read: (c) => c.currentTime },
  'acs:mfapresent': { name: 'acs:MFAPresent', kind: 'bool', read: (c) => c.mfaPresent },
};

const STRING_OPS: Record<string, { negate: boolean; cmp: (pattern: string, v: string) => boolean }> = {
  StringEquals: { negate: false, cmp: (p, v) => p === v },
  StringNotEquals: { negate: true, cmp: (p, v) => p === v },
  StringEqualsIgnoreCase: { negate: false, cmp: (p, v) => p.toLowerCase() === v.toLowerCase() },
  StringNotEqualsIgnoreCase: { negate: true, cmp: (p, v) => p.toLowerCase() === v.toLowerCase() },
  StringLike: { negate: false, cmp: (p, v) => wildcardMatch(p, v) },
  StringNotLike: { negate: true, cmp: (p, v) => wildcardMatch(p, v) },
};
const DATE_OPS: Record<string, (policy: number, now: number) => boolean> = {
  DateEquals: (p, n) => n === p,
  DateNotEquals: (p, n) => n !== p,
  DateLessThan: (p, n) => n < p,
  DateLessThanEquals: (p, n) => n <= p,
  DateGreaterThan: (p, n) => n > p,
  DateGreaterThanEquals: (p, n) => n >= p,
};
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses a statement's `Condition` value into clauses that must all hold. */
export function parseCondition(raw: unknown, path: string): ConditionClause[] {
  if (!isPlainObject(raw)) throw new PolicyError(path, 'Condition must be an object of operators');
  const clauses: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(raw)) {
    const opPath = `${path}.${operator}`;
    if (!isPlainObject(block)) throw new PolicyError(opPath, 'an operator must map condition keys to values');
    for (const [key, value] of Object.entries(block)) {
      clauses.push(parseClause(operator, key, value, `${opPath}.${key}`));
    }
  }
  return clauses;
}

function parseClause(operator: string, key: string, raw: unknown, path: string): ConditionClause {
  const known = KEYS[key.toLowerCase()];
  if (!known) {
    throw new PolicyError(path, `unsupported condition key (supported: ${Object.values(KEYS).map((k) => k.name).join(', ')})`);
  }
  const values = conditionValues(raw, path);
  const at = (i: number): string => (Array.isArray(raw) ? `${path}[${i}]` : path);
  const read = known.read;
  const make = (test: (v: never) => boolean): ConditionClause => ({
    operator, key: known.name, values,
    test: (ctx) => {
      const v = read(ctx);
      return v === undefined ? undefined : test(v as never);
    },
  });
  const str = STRING_OPS[operator];
  if (str && known.kind === 'ip') {
    const any = (v: string): boolean => values.some((p) => str.cmp(p, v));
    return make((v: string) => (str.negate ? !any(v) : any(v)));
  }
  if ((operator === 'IpAddress' || operator === 'NotIpAddress') && known.kind === 'ip') {
    const ranges = values.map((v, i) => parseCidr(v, at(i)));
    const inside = (ip: string): boolean => {
      const n = ipv4ToInt(stripMapped(ip));
      return n !== undefined && ranges.some((r) => inRange(n, r));
    };
    return make((ip: string) => (operator === 'IpAddress' ? inside(ip) : !inside(ip)));
  }
  if (operator === 'Bool' && known.kind === 'bool') {
    if (values.length !== 1) throw new PolicyError(path, 'Bool takes exactly one value');
    const want = values[0]!.toLowerCase();
    if (want !== 'true' && want !== 'false') throw new PolicyError(path, 'Bool takes "true" or "false"');
    return make((v: boolean) => v === (want === 'true'));
  }
  const date = DATE_OPS[operator];
  if (date && known.kind === 'date') {
    const times = values.map((v, i) => parseDate(v, at(i)));
    return make((now: number) => times.some((t) => date(t, now)));
  }
  throw new PolicyError(path, `operator ${operator} is not supported for ${known.name}`);
}

function conditionValues(raw: unknown, path: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new PolicyError(path, 'a condition key needs at least one value');
  return list.map((v, i) => {
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'boolean') return String(v);
    throw new PolicyError(Array.isArray(raw) ? `${path}[${i}]` : path, 'condition values must be non-empty strings');
  });
}

function parseDate(v: string, path: string): number {
  const t = ISO_8601.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new PolicyError(path, `"${v}" is not an ISO 8601 time with a zone (2026-01-01T00:00:00Z)`);
  return t;
}

interface Cidr { base: number; mask: number }

function parseCidr(v: string, path: string): Cidr {
  const [addr, bitsText, extra] = v.split('/');
  const bits = bitsText === undefined ? 32 : /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : NaN;
  const n = ipv4ToInt(addr ?? '');
  if (extra !== undefined || n === undefined || !(bits >= 0 && bits <= 32)) {
    throw new PolicyError(path, `"${v}" is not an IPv4 address or CIDR block (IPv6 is not supported)`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (n & mask) >>> 0, mask };
}

function inRange(n: number, r: Cidr): boolean {
  return ((n & r.mask) >>> 0) === r.base;
}

function stripMapped(ip: string): string {
  return ip.toLowerCase().startsWith('::ffff:') ? ip.slice(7) : ip;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
