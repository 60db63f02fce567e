/**
 * Alibaba Cloud RAM permission policies: parse (validate) a document, and
 * evaluate a request against the policies attached to a RAM identity.
 *
 * Grammar (RAM "Policy structure and syntax" / "Policy elements"):
 *   { "Version": "1", "Statement": [ <statement>, … ] }            — nothing else at the top
 *   <statement> = { "Effect": "Allow" | "Deny",
 *                   "Action" | "NotAction": "*" | <action> | [<action>, …],   — exactly one of the two
 *                   "Resource": "*" | <arn> | [<arn>, …],
 *                   "Condition"?: { <Operator>: { <key>: <value> | [<value>, …] } } }   — see conditions.ts
 *   <action> = <ram-code>:<action-name>, e.g. `ens:CreateSnapshot`, `ens:Describe*`, `ens:*`
 *   <arn>    = acs:<ram-code>:<region>:<account-id>:<relative-id>, e.g. `acs:ens:*:1000000000000001:disk/d-123`
 * Element names, `Effect` values and operators are case-sensitive; unknown elements (`Principal`,
 * `Sid`, `NotResource`, …) are refused. The current RAM documentation lists only `Resource`, so
 * `NotResource` is refused rather than guessed at. Documents are at most 6144 characters (RAM's limit).
 *
 * Matching: `*` matches any run of characters (including `:` and `/`), `?` exactly one.
 * Actions compare case-insensitively (RAM: "the values are not case-sensitive in most cases"),
 * resources case-sensitively (ids are). An action with no resource-level permission is asked
 * for with the resource `*`, which only a statement resource that matches the literal `*` covers
 * (RAM: such actions need `"Resource": "*"`).
 *
 * Evaluation, per resource of the request:
 *   - a statement applies when its action part matches (Action: any pattern matches;
 *     NotAction: no pattern matches), one of its resources matches, and its conditions hold;
 *   - any applicable Deny → ExplicitDeny (whatever else allows it);
 *   - otherwise any applicable Allow → allowed; otherwise ImplicitDeny (deny by default).
 * A request on several resources is Allow only if every resource is allowed; an explicit deny
 * on any of them makes the whole request ExplicitDeny. A condition whose key the context lacks
 * is unknown: it never lets an Allow apply but does let a Deny apply (fail closed).
 */
import { type ConditionClause, type RequestContext, isPlainObject, parseCondition } from './conditions.js';
import { PolicyError } from './policy-error.js';
import { wildcardMatch } from './wildcard.js';

export type { RequestContext } from './conditions.js';
export { PolicyError, isPolicyError } from './policy-error.js';

export const MAX_POLICY_LENGTH = 6144;

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  /** Action patterns; with `notAction` the statement covers every action that matches none. */
  readonly actions: readonly string[];
  readonly notAction: boolean;
  readonly resources: readonly string[];
  readonly conditions: readonly ConditionClause[];
}

export interface PolicyDocument {
  readonly version: '1';
  readonly statements: readonly PolicyStatement[];
}

export interface AuthorizationRequest {
  /** `ens:CreateSnapshot` */
  action: string;
  /** ARNs the action touches (`acs:ens:<region>:<account>:disk/<id>`), or `['*']` for actions without resource-level permission (an empty list means `['*']`). */
  resources: readonly string[];
  context?: RequestContext;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

const STATEMENT_KEYS = new Set(['Effect', 'Action', 'NotAction', 'Resource', 'Condition']);
const ACTION = /^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_.-]+$/;

/** Parses and validates a policy document; throws PolicyError naming the first problem. */
export function parsePolicy(json: string): PolicyDocument {
  if (json.length > MAX_POLICY_LENGTH) {
    throw new PolicyError('', `the policy document is longer than ${MAX_POLICY_LENGTH} characters`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new PolicyError('', `the policy document is not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(raw)) throw new PolicyError('', 'the policy document must be a JSON object');
  for (const key of Object.keys(raw)) {
    if (key !== 'Version' && key !== 'Statement') throw new PolicyError(key, 'unknown element (expected Version and Statement)');
  }
  if (raw.Version !== '1') throw new PolicyError('Version', 'must be the string "1"');
  const list = raw.Statement;
  if (!Array.isArray(list) || list.length === 0) throw new PolicyError('Statement', 'must be a non-empty array of statements');
  return { version: '1', statements: list.map((s, i) => parseStatement(s, `Statement[${i}]`)) };
}

function parseStatement(raw: unknown, path: string): PolicyStatement {
  if (!isPlainObject(raw)) throw new PolicyError(path, 'a statement must be an object');
  for (const key of Object.keys(raw)) {
    if (!STATEMENT_KEYS.has(key)) throw new PolicyError(`${path}.${key}`, 'unknown or unsupported element');
  }
  const effect = raw.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') throw new PolicyError(`${path}.Effect`, 'must be "Allow" or "Deny"');
  const hasAction = 'Action' in raw;
  if (hasAction === ('NotAction' in raw)) throw new PolicyError(path, 'a statement needs exactly one of Action and NotAction');
  const actionKey = hasAction ? 'Action' : 'NotAction';
  const actions = stringList(raw[actionKey], `${path}.${actionKey}`, checkAction);
  if (!('Resource' in raw)) throw new PolicyError(path, 'a statement needs a Resource');
  const resources = stringList(raw.Resource, `${path}.Resource`, checkResource);
  const conditions = 'Condition' in raw ? parseCondition(raw.Condition, `${path}.Condition`) : [];
  return { effect, actions, notAction: !hasAction, resources, conditions };
}

function stringList(raw: unknown, path: string, check: (v: string, path: string) => void): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new PolicyError(path, 'must not be an empty list');
  return list.map((v, i) => {
    const at = Array.isArray(raw) ? `${path}[${i}]` : path;
    if (typeof v !== 'string' || v === '') throw new PolicyError(at, 'must be a non-empty string or a list of them');
    check(v, at);
    return v;
  });
}

function checkAction(v: string, path: string): void {
  if (v !== '*' && !ACTION.test(v)) throw new PolicyError(path, `"${v}" is not an action: use <ram-code>:<action-name>, e.g. ens:CreateSnapshot`);
}

function checkResource(v: string, path: string): void {
  if (v === '*') return;
  if (!v.startsWith('acs:') || v.split(':').length < 5) {
    throw new PolicyError(path, `"${v}" is not a resource: use "*" or acs:<ram-code>:<region>:<account-id>:<relative-id>`);
  }
}

/** Decides a request against every policy attached to the identity (the rules are in the header). */
export function evaluate(request: AuthorizationRequest, policies: readonly PolicyDocument[]): Decision {
  const ctx = request.context ?? {};
  const statements = policies.flatMap((p) => p.statements).filter((s) => actionApplies(s, request.action));
  const resources = request.resources.length === 0 ? ['*'] : request.resources;
  let allAllowed = true;
  for (const resource of resources) {
    let allowed = false;
    for (const s of statements) {
      if (!s.resources.some((r) => wildcardMatch(r, resource))) continue;
      const holds = conditionsHold(s, ctx);
      if (s.effect === 'Deny' && holds !== false) return 'ExplicitDeny';
      if (s.effect === 'Allow' && holds === true) allowed = true;
    }
    allAllowed &&= allowed;
  }
  return allAllowed ? 'Allow' : 'ImplicitDeny';
}

function actionApplies(s: PolicyStatement, action: string): boolean {
  const matched = s.actions.some((p) => wildcardMatch(p, action, true));
  return s.notAction ? !matched : matched;
}

/** true / false, or undefined when a condition names a key the context lacks and no other condition is false. */
function conditionsHold(s: PolicyStatement, ctx: RequestContext): boolean | undefined {
  let result: boolean | undefined = true;
  for (const c of s.conditions) {
    const r = c.test(ctx);
    if (r === false) return false;
    if (r === undefined) result = undefined;
  }
  return result;
}
