import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomFraction, randomIds, seededIds, SwitchableIds } from './ids.js';

describe('SwitchableIds', () => {
  it('starts on its generator, follows a seed reproducibly, and goes back', () => {
    const ids = new SwitchableIds(randomIds);
    const random = [ids.resourceId('d'), ids.resourceId('d')];
    assert.notEqual(random[0], random[1]);
    ids.seed(99);
    const first = [ids.resourceId('d'), ids.requestId(), ids.numericId(12), ids.randomBytes(4).toString('hex')];
    ids.seed(99);
    const second = [ids.resourceId('d'), ids.requestId(), ids.numericId(12), ids.randomBytes(4).toString('hex')];
    assert.deepEqual(first, second);
    const reference = seededIds(99);
    assert.equal(first[0], reference.resourceId('d'));
    ids.unseed();
    assert.notEqual(ids.resourceId('d'), first[0]);
  });

  it('randomFraction draws in [0, 1) from the generator', () => {
    const a = seededIds(5);
    const b = seededIds(5);
    for (let i = 0; i < 100; i++) {
      const x = randomFraction(a);
      assert.ok(x >= 0 && x < 1);
      assert.equal(x, randomFraction(b));
    }
  });
});
