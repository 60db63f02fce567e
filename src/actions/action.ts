/**
 * The shape of an action: one file per API action, named as on the wire. An
 * action validates its parameters, calls one service and shapes the response
 * exactly as the official SDK models name and type it.
 */
import type { RequestContext, Services } from '../services/index.js';
import type { Params } from './params.js';

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
  run(params: Params, ctx: ActionContext): Promise<ActionResult>;
}
