import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GuestReads } from './lazy-volume.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GuestReads', () => {
  it('yieldTo waits for that many completed reads while any is in flight, and not at all when none is', async () => {
    const reads = new GuestReads();
    await reads.yieldTo(3); // nothing in flight: at once
    reads.begin();
    let yielded = false;
    const waiting = reads.yieldTo(2).then(() => (yielded = true));
    reads.begin();
    reads.end(); // one completed, one still in flight
    await turn();
    assert.equal(yielded, false);
    reads.begin();
    reads.end(); // two completed
    await waiting;
    assert.equal(reads.inFlight, 1);

    yielded = false;
    const second = reads.yieldTo(5).then(() => (yielded = true));
    await turn();
    assert.equal(yielded, false);
    reads.end(); // the last one in flight completes: the guest is quiet
    await second;
    assert.equal(reads.inFlight, 0);
  });
});
