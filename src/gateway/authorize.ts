/**
 * RAM authorization, after the action lookup and before the action runs. An account's own AccessKey is allowed
 * everything. A RAM user's request (its own key or STS credentials) is evaluated against the policies attached
 * to the user: the action `ens:<Action>`, the resources it declares as ARNs
 * `acs:ens:<region>:<account>:<type>/<id>` (the region is the resource's own, `*` when the caller has no such
 * resource; no resources: `*`), and the context (source IP, HTTPS, time). Explicit deny wins; no allow is
 * deny by default. Either answers the specification's `NoPermission`, and nothing runs.
 */
import { apiError } from '../kernel/errors.js';
import { Spec } from '../kernel/catalog.js';
import type { Action, Params } from '../actions/index.js';
import { evaluate, type PolicyContext, type Services } from '../services/index.js';
import type { Caller } from './authenticate.js';

export interface AuthorizationContext {
  /** The peer address as fastify reports it (`::ffff:` prefix of IPv4-mapped addresses is dropped). */
  readonly sourceIp?: string;
  readonly secureTransport: boolean;
  readonly now: number;
}

export async function authorize(caller: Caller, action: Action, params: Params, services: Services,
  at: AuthorizationContext): Promise<void> {
  if (caller.userId === '') return;
  const resources = await resourceArns(caller.accountId, action, params, services);
  const context: PolicyContext = {
    sourceIp: at.sourceIp?.replace(/^::ffff:/i, ''), secureTransport: at.secureTransport, currentTime: at.now,
  };
  const policies = await services.ramPolicies.documentsOf(caller.userId);
  const decision = evaluate({ action: `ens:${action.name}`, resources, context }, policies);
  if (decision !== 'Allow') throw apiError(Spec['NoPermission']!);
}

/** The ARNs of the resources the request names (`['*']` when it names none). */
export async function resourceArns(accountId: string, action: Action, params: Params, services: Services):
  Promise<string[]> {
  const refs = action.resources?.(params) ?? [];
  if (refs.length === 0) return ['*'];
  const regions = await services.resourceRegions.regionsOf(accountId, refs);
  return refs.map((r, i) => `acs:ens:${regions[i]}:${accountId}:${r.type}/${r.id}`);
}
