/**
 * The shape of an action: one file per API action, named as on the wire. An
 * action validates its parameters, calls one service and shapes the response
 * exactly as the official SDK models name and type it.
 */
import type { RequestContext, ResourceRef, Services } from '../services/index.js';
import type { Params } from './params.js';

export type { ResourceRef } from '../services/index.js';

export interface ActionOptions {
  /** `array` (SDK models, Terraform) or `string` (the specification's sample) for CreateSnapshot's SnapShotId. */
  readonly snapshotIdFormat: 'array' | 'string';
}

export interface ActionContext extends RequestContext {
  readonly services: Services;
  readonly options: ActionOptions;
}

/** The response body without RequestId (the gateway adds it first). */
export type ActionResult = Record<string, unknown>;

export interface Action {
  readonly name: string;
  /**
   * The resources the request acts on, for RAM authorization (`acs:ens:<region>:<account>:<type>/<id>`); absent
   * or empty: the action has no resource-level permission and is asked for with the resource `*`. Read leniently
   * (never throws): `run` validates the parameters and answers their errors.
   */
  resources?(p: Params): ResourceRef[];
  run(params: Params, ctx: ActionContext): Promise<ActionResult>;
}

/** The value of an id parameter if one was sent and is text; for `resources` (no validation). */
export function idParam(p: Params, name: string): string | undefined {
  try {
    return p.optional(name);
  } catch {
    return undefined;
  }
}

/** `type` refs for each id parameter of `names` that was sent. */
export function refsOf(p: Params, type: ResourceRef['type'], ...names: string[]): ResourceRef[] {
  return names.map((n) => idParam(p, n)).filter((id): id is string => id !== undefined).map((id) => ({ type, id }));
}

/** Disk refs for the `ResourceId.N` list of the tag actions (none when the list is malformed). */
export function taggedDisks(p: Params): ResourceRef[] {
  try {
    return p.repeatList('ResourceId', 50).filter((id) => id !== '').map((id) => ({ type: 'disk' as const, id }));
  } catch {
    return [];
  }
}
