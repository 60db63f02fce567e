/**
 * One transport seen through the SDK models: every answer is cast with `typed` into the model registered for
 * its action, every refusal into the error envelope; the actions called are remembered for the coverage check.
 */
import assert from 'node:assert/strict';
import type * as $dara from '@darabonba/typescript';
import type { Call } from '../support/clients.js';
import type { Failure } from '../support/failures.js';
import { ErrorResponseBody, RESPONSE_MODELS, type ModelClass } from './models/index.js';
import { typed } from './typed.js';

export class ContractClient {
  /** Actions that answered successfully through this client. */
  readonly called = new Set<string>();

  constructor(readonly label: string, private readonly call: Call) {}

  /** Calls `action`, which must succeed, and casts its body into `model` (the one registered for the action). */
  async ok<T extends $dara.Model>(model: ModelClass<T>, action: string, params: Record<string, string> = {}): Promise<T> {
    assert.equal(RESPONSE_MODELS.get(action), model, `${action}: cast with its registered model`);
    const body = await this.call(action, params);
    this.called.add(action);
    return typed(model, body);
  }

  /** Calls `action`, which must fail with `expected`; the error body must cast into the envelope model. */
  async fails(action: string, params: Record<string, string>, expected: Failure): Promise<ErrorResponseBody> {
    let thrown: unknown;
    try {
      await this.call(action, params);
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown !== undefined, `${this.label} ${action}: expected ${expected.code}, got a success`);
    const { status, body } = answered(thrown);
    const envelope = typed(ErrorResponseBody, body);
    assert.deepEqual({ status, code: envelope.code, message: envelope.message }, expected, `${this.label} ${action}`);
    assert.match(envelope.requestId ?? '', /^[0-9A-F-]{36}$/i);
    assert.equal(typeof envelope.hostId, 'string');
    return envelope;
  }
}

/**
 * The HTTP status and parsed body of a refusal: openapi-core and the signed-form client carry `statusCode`
 * and `data`; pop-core only `entry.response.statusCode` and `data`.
 */
function answered(e: unknown): { status: number; body: unknown } {
  const err = e as { statusCode?: number; entry?: { response?: { statusCode?: number } }; data?: unknown };
  const status = err.statusCode ?? err.entry?.response?.statusCode;
  if (typeof status !== 'number' || err.data === undefined) throw e;
  return { status, body: err.data };
}
