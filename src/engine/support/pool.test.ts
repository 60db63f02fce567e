import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settleAll } from './pool.js';

describe('settleAll', () => {
  it('answers every value in order, or throws the first failure once all settled, discarding what arrived', async () => {
    assert.deepEqual(await settleAll([Promise.resolve(1), Promise.resolve(2)]), [1, 2]);
    let lateSettled = false;
    const late = new Promise<number>((resolve) => setImmediate(() => {
      lateSettled = true;
      resolve(3);
    }));
    const discarded: number[] = [];
    await assert.rejects(
      settleAll([Promise.resolve(1), Promise.reject(new Error('first')), late, Promise.reject(new Error('second'))],
        (value) => discarded.push(value)),
      /first/,
    );
    assert.equal(lateSettled, true, 'nothing left running behind the caller');
    assert.deepEqual(discarded, [1, 3]);
  });
});
