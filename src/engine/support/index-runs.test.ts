import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consecutiveRuns } from './index-runs.js';

describe('consecutiveRuns', () => {
  it('cuts at gaps and at the longest run allowed', () => {
    assert.deepEqual(consecutiveRuns([]), []);
    assert.deepEqual(consecutiveRuns([3]), [[3]]);
    assert.deepEqual(consecutiveRuns([0, 1, 2, 4, 5, 9]), [[0, 1, 2], [4, 5], [9]]);
    assert.deepEqual(consecutiveRuns([0, 1, 2, 3, 4, 7, 8], 2), [[0, 1], [2, 3], [4], [7, 8]]);
  });
});
