/**
 * Fault injection rules (issue #4): the operator says "answer this error" or
 * "add this latency" for requests that match, with a probability and/or a
 * number of times. This module is the model and the matcher only; the admin
 * API adds rules and the gateway asks `match` before running an action.
 *
 * Rules:
 *   - a match field that is absent matches anything; a present one must equal the
 *     request's value (a request without that value does not match). `action`
 *     may use `*` (`Create*`, `*Snapshot`), compared case-sensitively like the API;
 *   - an error effect names a catalog code; its status and message come from the
 *     catalog. A code that fills a template (`InvalidParameter.Foo` for
 *     `InvalidParameter.%s`, `MissingDiskId` for `Missing%s`) is accepted, and an
 *     exact code wins over a template. The message's `%s` are filled with the
 *     code's own parts, then the rule's `args`, then the request's snapshot or disk id;
 *   - `probability` (default 1) is decided with the injected random source, drawn
 *     only for rules that match and have 0 < probability < 1; `count` limits how
 *     many times the rule fires, after which it expires (is removed). A draw that
 *     misses does not use up the count;
 *   - `match` returns the effects of every rule that fires, in the order the rules
 *     were added. It is synchronous, so a count is never spent twice: of two
 *     requests racing for a count-1 rule exactly one gets the fault.
 */
import { allErrorSpecs } from '../../kernel/catalog.js';
import { type ApiError, type ErrorSpec, apiError } from '../../kernel/errors.js';
import { wildcardMatch } from '../ram/wildcard.js';

export interface FaultMatch {
  action?: string;
  regionId?: string;
  accountId?: string;
  diskId?: string;
  snapshotId?: string;
}

export type FaultEffectSpec =
  | { kind: 'error'; code: string; args?: string[] }
  | { kind: 'latency'; ms: number };

export interface FaultRuleInput {
  id: string;
  match?: FaultMatch;
  effect: FaultEffectSpec;
  /** 0..1, default 1. */
  probability?: number;
  /** Fires at most this many times, then expires. Absent: unlimited. */
  count?: number;
}

/** A rule as held: `remaining` counts down from `count`; `fired` counts every firing. */
export interface FaultRule extends FaultRuleInput {
  remaining?: number;
  fired: number;
}

export interface FaultRequest {
  action: string;
  regionId?: string;
  accountId: string;
  diskId?: string;
  snapshotId?: string;
}

export type FaultEffect =
  | { kind: 'error'; ruleId: string; error: ApiError }
  | { kind: 'latency'; ruleId: string; ms: number };

/** A source of numbers in [0, 1) (a seeded generator in tests; never Math.random here). */
export type RandomSource = () => number;

export class FaultRuleError extends Error {
  readonly field: string;

  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'FaultRuleError';
    this.field = field;
  }
}

export const MAX_RULES = 1000;
export const MAX_LATENCY_MS = 300_000;
const MATCH_FIELDS = ['action', 'regionId', 'accountId', 'diskId', 'snapshotId'] as const;
const RULE_FIELDS = new Set(['id', 'match', 'effect', 'probability', 'count']);

interface Held {
  rule: FaultRule;
  /** Resolved at add time for error effects. */
  error?: { spec: ErrorSpec; codeArgs: string[]; placeholders: number };
}

export class FaultRules {
  private readonly rules = new Map<string, Held>();

  constructor(private readonly random: RandomSource) {}

  /** Validates and adds a rule; throws FaultRuleError naming the first problem. */
  add(input: FaultRuleInput): FaultRule {
    const rule = validateRule(input);
    if (this.rules.has(rule.id)) throw new FaultRuleError('id', `a rule with id "${rule.id}" already exists`);
    if (this.rules.size >= MAX_RULES) throw new FaultRuleError('id', `at most ${MAX_RULES} rules may be held`);
    const held: Held = { rule };
    if (rule.effect.kind === 'error') held.error = resolveCode(rule.effect.code);
    this.rules.set(rule.id, held);
    return copy(rule);
  }

  remove(id: string): boolean {
    return this.rules.delete(id);
  }

  list(): FaultRule[] {
    return [...this.rules.values()].map((h) => copy(h.rule));
  }

  clear(): void {
    this.rules.clear();
  }

  /** The effects of the rules that fire for this request (see the header for the rules). */
  match(request: FaultRequest): FaultEffect[] {
    const effects: FaultEffect[] = [];
    for (const held of [...this.rules.values()]) {
      const { rule } = held;
      if (!matches(rule.match ?? {}, request) || !this.draw(rule.probability ?? 1)) continue;
      rule.fired++;
      if (rule.remaining !== undefined && --rule.remaining === 0) this.rules.delete(rule.id);
      effects.push(effectOf(held, request));
    }
    return effects;
  }

  private draw(probability: number): boolean {
    if (probability >= 1) return true;
    if (probability <= 0) return false;
    return this.random() < probability;
  }
}

function matches(m: FaultMatch, r: FaultRequest): boolean {
  if (m.action !== undefined && !wildcardMatch(m.action, r.action)) return false;
  return MATCH_FIELDS.every((f) => f === 'action' || m[f] === undefined || m[f] === r[f]);
}

function effectOf(held: Held, request: FaultRequest): FaultEffect {
  const { rule } = held;
  if (rule.effect.kind === 'latency') return { kind: 'latency', ruleId: rule.id, ms: rule.effect.ms };
  const { spec, codeArgs, placeholders } = held.error!;
  const fallback = request.snapshotId ?? request.diskId ?? '';
  const args = [...codeArgs, ...(rule.effect.args ?? []), ...Array<string>(placeholders).fill(fallback)];
  return { kind: 'error', ruleId: rule.id, error: apiError(spec, ...args) };
}

/** Finds the catalog entry for `code`: exact first, then a `%s` template it fills. */
function resolveCode(code: string): NonNullable<Held['error']> {
  const specs = allErrorSpecs();
  const placeholders = (s: ErrorSpec): number => (s.message.match(/%s/g) ?? []).length;
  const exact = specs.find((s) => s.code === code && !s.code.includes('%s'));
  if (exact) return { spec: exact, codeArgs: [], placeholders: placeholders(exact) };
  for (const spec of specs) {
    if (!spec.code.includes('%s')) continue;
    const pattern = new RegExp(`^${spec.code.split('%s').map(escapeRegExp).join('(.+)')}$`);
    const m = pattern.exec(code);
    if (m) return { spec, codeArgs: m.slice(1), placeholders: placeholders(spec) };
  }
  throw new FaultRuleError('effect.code', `"${code}" is not a code in the error catalog (docs/errors.md)`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function validateRule(input: FaultRuleInput): FaultRule {
  if (!isObject(input)) throw new FaultRuleError('rule', 'must be an object');
  for (const k of Object.keys(input)) if (!RULE_FIELDS.has(k)) throw new FaultRuleError(k, 'unknown field');
  if (typeof input.id !== 'string' || !/^[A-Za-z0-9._:-]{1,64}$/.test(input.id)) {
    throw new FaultRuleError('id', 'must be 1-64 characters of letters, digits, . _ : -');
  }
  const rule: FaultRule = { id: input.id, effect: validateEffect(input.effect), fired: 0 };
  if (input.match !== undefined) rule.match = validateMatch(input.match);
  if (input.probability !== undefined) {
    const p = input.probability;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new FaultRuleError('probability', 'must be a number from 0 to 1');
    rule.probability = p;
  }
  if (input.count !== undefined) {
    if (!Number.isSafeInteger(input.count) || input.count < 1) throw new FaultRuleError('count', 'must be a positive integer');
    rule.count = input.count;
    rule.remaining = input.count;
  }
  return rule;
}

function validateMatch(raw: unknown): FaultMatch {
  if (!isObject(raw)) throw new FaultRuleError('match', 'must be an object');
  const match: FaultMatch = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(MATCH_FIELDS as readonly string[]).includes(k)) throw new FaultRuleError(`match.${k}`, `unknown field (expected ${MATCH_FIELDS.join(', ')})`);
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '' || v.length > 128) throw new FaultRuleError(`match.${k}`, 'must be a non-empty string');
    if (k === 'action' && !/^[A-Za-z*]+$/.test(v)) throw new FaultRuleError('match.action', 'must be an action name, `*` allowed');
    match[k as (typeof MATCH_FIELDS)[number]] = v;
  }
  return match;
}

function validateEffect(raw: unknown): FaultEffectSpec {
  if (!isObject(raw)) throw new FaultRuleError('effect', 'must be an object');
  if (raw.kind === 'latency') {
    const ms = raw.ms;
    if (!Number.isSafeInteger(ms) || (ms as number) < 0 || (ms as number) > MAX_LATENCY_MS) {
      throw new FaultRuleError('effect.ms', `must be an integer from 0 to ${MAX_LATENCY_MS}`);
    }
    return { kind: 'latency', ms: ms as number };
  }
  if (raw.kind === 'error') {
    if (typeof raw.code !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(raw.code)) {
      throw new FaultRuleError('effect.code', 'must be an error code (letters, digits, . _ -)');
    }
    const args = raw.args;
    if (args !== undefined && !(Array.isArray(args) && args.every((a) => typeof a === 'string'))) {
      throw new FaultRuleError('effect.args', 'must be a list of strings');
    }
    return args === undefined ? { kind: 'error', code: raw.code } : { kind: 'error', code: raw.code, args: [...(args as string[])] };
  }
  throw new FaultRuleError('effect.kind', 'must be "error" or "latency"');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function copy(rule: FaultRule): FaultRule {
  return structuredClone(rule);
}
