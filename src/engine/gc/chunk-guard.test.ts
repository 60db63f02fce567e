import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../kernel/clock.js';
import { ChunkGuard } from './chunk-guard.js';

const X = 'a'.repeat(64);
const Y = 'b'.repeat(64);

describe('ChunkGuard touches', () => {
  it('a collection running longer than the margin still spares a chunk touched after its cutoff', async () => {
    const clock = new ManualClock(10_000);
    const guard = new ChunkGuard(clock, 1000);
    const cutoff = clock.now() - guard.marginMs;
    const release = guard.holdTouchesSince(cutoff);
    clock.advance(100);
    guard.touch(X); // a writer's put, during the collection's mark phase
    clock.advance(2000);
    guard.touch(Y); // a later put: without the hold it would prune X's touch (older than now − margin)
    let removed = false;
    await guard.sweep(X, cutoff, async () => (removed = true));
    assert.equal(removed, false, 'X was touched after the cutoff: spared');
    release();
    clock.advance(2000);
    guard.touch(Y);
    await guard.sweep(X, clock.now() - guard.marginMs, async () => (removed = true));
    assert.equal(removed, true, 'once no collection holds it, an old touch no longer protects');
  });

  it('rejects a negative margin', () => {
    assert.throws(() => new ChunkGuard(new ManualClock(0), -1), RangeError);
  });
});
