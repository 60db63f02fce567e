/**
 * Every action edgesnap answers has an SDK response model and steps in the contract scenario; the models are
 * well formed. When an action is added to `ACTIONS`, this is the test that says what the contract lacks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTIONS } from '../../src/actions/index.js';
import { RESPONSE_MODELS, type FieldType, type ModelClass } from './models/index.js';
import { SCENARIO_ACTIONS } from './scenario.js';

/** Actions being implemented by other engineers; the scenario has steps for them, gated on `ACTIONS`. */
const PENDING = ['AttachDisk', 'DetachDisk', 'CopySnapshot'];

function nestedModels(model: ModelClass): ModelClass[] {
  const out: ModelClass[] = [];
  const visit = (t: FieldType): void => {
    if (typeof t === 'function') out.push(t, ...nestedModels(t));
    else if (typeof t === 'object') visit(t.type === 'array' ? t.itemType : t.valueType);
  };
  Object.values(model.types()).forEach(visit);
  return out;
}

describe('contract completeness', () => {
  it('has a response model for every action in ACTIONS', () => {
    assert.deepEqual([...ACTIONS.keys()].filter((a) => !RESPONSE_MODELS.has(a)), []);
  });

  it('has scenario steps for every action in ACTIONS', () => {
    assert.deepEqual([...ACTIONS.keys()].filter((a) => !SCENARIO_ACTIONS.includes(a)), []);
  });

  it('models are well formed: names() and types() cover the same properties, RequestId everywhere', () => {
    for (const [action, model] of RESPONSE_MODELS) {
      assert.equal(model.names().requestId, 'RequestId', action);
      for (const m of [model, ...nestedModels(model)]) {
        assert.deepEqual(Object.keys(m.names()).sort(), Object.keys(m.types()).sort(), m.name);
      }
    }
  });

  for (const action of PENDING) {
    it(`${action} is exercised by the scenario`, { skip: ACTIONS.has(action) ? false : `${action} is not in ACTIONS yet` },
      () => {
        assert.ok(SCENARIO_ACTIONS.includes(action) && RESPONSE_MODELS.has(action));
      });
  }
});
