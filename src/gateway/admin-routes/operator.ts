/**
 * Admin routes of the operator controls (issue #4): fault rules, job settle modes, deterministic ids,
 * per-account throttle limits, reset-all-state. Bodies are camelCase JSON, answers PascalCase.
 */
import { apiError } from '../../kernel/errors.js';
import { Admin, Ens, Gateway } from '../../kernel/catalog.js';
import {
  FaultRuleError, isJobMode, type AccountThrottle, type FaultRule, type FaultRuleInput, type RateLimitSetting,
  type Services,
} from '../../services/index.js';
import type { AdminRoute } from './route.js';
import { capitalized, optionalText, requiredNumber } from './fields.js';

const MAX_RATE = 1_000_000;

export const OPERATOR_ROUTES: readonly AdminRoute[] = [
  {
    method: 'POST', path: '/faults', fields: ['id', 'match', 'effect', 'probability', 'count'],
    async handle({ body }, _services, control) {
      const input = { ...body, id: optionalText(body, 'id', 64) ?? control.ids.resourceId('fault') } as FaultRuleInput;
      if (control.faults.list().some((r) => r.id === input.id)) throw apiError(Admin.FaultRuleExists, input.id);
      try {
        return { status: 201, body: { FaultRule: ruleBody(control.faults.add(input)) } };
      } catch (err) {
        if (err instanceof FaultRuleError) throw apiError(Ens.InvalidParameter, dotted(err.field));
        throw err;
      }
    },
  },
  {
    method: 'GET', path: '/faults',
    async handle({ query }, _services, control) {
      const rules = control.faults.list().filter((r) => query.action === undefined || r.match?.action === query.action);
      return { body: { FaultRules: rules.map(ruleBody) } };
    },
  },
  {
    method: 'DELETE', path: '/faults/:id',
    async handle({ params }, _services, control) {
      if (!control.faults.remove(params.id!)) throw apiError(Admin.FaultRuleNotFound, params.id!);
      return { body: {} };
    },
  },
  {
    method: 'DELETE', path: '/faults',
    async handle(_req, _services, control) {
      const removed = control.faults.list().length;
      control.faults.clear();
      return { body: { Removed: removed } };
    },
  },
  {
    method: 'GET', path: '/jobs/mode',
    async handle(_req, _services, control) {
      return { body: { Mode: control.jobs.mode } };
    },
  },
  {
    method: 'PUT', path: '/jobs/mode', fields: ['mode'],
    async handle({ body }, _services, control) {
      if (body.mode === undefined) throw apiError(Gateway.MissingParameter, 'Mode');
      if (!isJobMode(body.mode)) throw apiError(Ens.InvalidParameter, 'Mode');
      await control.jobs.setMode(body.mode);
      return { body: { Mode: control.jobs.mode } };
    },
  },
  {
    method: 'POST', path: '/jobs/settle',
    async handle(_req, _services, control) {
      return { body: { Settled: await control.jobs.settle() } };
    },
  },
  {
    method: 'POST', path: '/ids', fields: ['seed'],
    async handle({ body }, _services, control) {
      const seed = requiredNumber(body, 'seed', 0, 2 ** 32 - 1);
      if (!Number.isInteger(seed)) throw apiError(Ens.InvalidParameter, 'Seed');
      control.ids.seed(seed);
      return { body: { Seed: seed } };
    },
  },
  {
    method: 'DELETE', path: '/ids',
    async handle(_req, _services, control) {
      control.ids.unseed();
      return { body: {} };
    },
  },
  {
    method: 'POST', path: '/reset',
    async handle(_req, _services, control) {
      const summary = await control.reset();
      return { body: { Removed: summary.removed, FaultRulesRemoved: summary.faultRules } };
    },
  },
  {
    method: 'GET', path: '/accounts/:id/throttle',
    async handle({ params }, services, control) {
      await requireAccount(services, params.id!);
      return { body: { Throttle: throttleBody(params.id!, control.throttle.get(params.id!)) } };
    },
  },
  {
    method: 'PUT', path: '/accounts/:id/throttle', fields: ['ratePerSecond', 'burst', 'actions'],
    async handle({ params, body }, services, control) {
      await requireAccount(services, params.id!);
      await control.throttle.set(params.id!, parseThrottle(body));
      return { body: { Throttle: throttleBody(params.id!, control.throttle.get(params.id!)) } };
    },
  },
  {
    method: 'DELETE', path: '/accounts/:id/throttle',
    async handle({ params }, services, control) {
      await requireAccount(services, params.id!);
      await control.throttle.unset(params.id!);
      return { body: { Throttle: throttleBody(params.id!, control.throttle.get(params.id!)) } };
    },
  },
];

/** `effect.code` → `Effect.Code` (the field the InvalidParameter code names). */
const dotted = (field: string): string => field.split('.').map(capitalized).join('.');

function ruleBody(r: FaultRule): Record<string, unknown> {
  const m = r.match ?? {};
  const effect = r.effect.kind === 'latency'
    ? { Kind: 'latency', Ms: r.effect.ms }
    : { Kind: 'error', Code: r.effect.code, Args: r.effect.args ?? [] };
  return {
    Id: r.id,
    Match: { Action: m.action, RegionId: m.regionId, AccountId: m.accountId, DiskId: m.diskId, SnapshotId: m.snapshotId },
    Effect: effect, Probability: r.probability ?? 1, Count: r.count, Remaining: r.remaining, Fired: r.fired,
  };
}

async function requireAccount(services: Services, accountId: string): Promise<void> {
  if (!(await services.accounts.listAccounts()).some((a) => a.id === accountId)) {
    throw apiError(Admin.AccountNotFound, accountId);
  }
}

function parseLimit(body: Readonly<Record<string, unknown>>, prefix: string): RateLimitSetting {
  const field = (name: string): string => (prefix ? `${prefix}.${name}` : name);
  const num = (name: string, min: number): number => {
    const v = body[name];
    if (v === undefined) throw apiError(Gateway.MissingParameter, dotted(field(name)));
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > MAX_RATE) {
      throw apiError(Ens.InvalidParameter, dotted(field(name)));
    }
    return v;
  };
  const ratePerSecond = num('ratePerSecond', Number.MIN_VALUE);
  return { ratePerSecond, burst: num('burst', 1) };
}

function parseThrottle(body: Readonly<Record<string, unknown>>): AccountThrottle {
  const limit = parseLimit(body, '');
  const raw = body.actions ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw apiError(Ens.InvalidParameter, 'Actions');
  const actions: Record<string, RateLimitSetting> = {};
  for (const [action, value] of Object.entries(raw)) {
    if (!/^[A-Za-z]{1,64}$/.test(action) || typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw apiError(Ens.InvalidParameter, `Actions.${action}`);
    }
    const unknown = Object.keys(value).find((k) => k !== 'ratePerSecond' && k !== 'burst');
    if (unknown !== undefined) throw apiError(Ens.InvalidParameter, `Actions.${action}.${capitalized(unknown)}`);
    actions[action] = parseLimit(value as Record<string, unknown>, `actions.${action}`);
  }
  return { ...limit, actions };
}

function throttleBody(accountId: string, t: AccountThrottle & { isDefault: boolean }): Record<string, unknown> {
  return {
    AccountId: accountId, RatePerSecond: t.ratePerSecond, Burst: t.burst, IsDefault: t.isDefault,
    Actions: Object.fromEntries(Object.entries(t.actions)
      .map(([a, l]) => [a, { RatePerSecond: l.ratePerSecond, Burst: l.burst }])),
  };
}
