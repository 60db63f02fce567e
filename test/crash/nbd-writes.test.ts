/**
 * SIGKILL while several NBD connections write: every write acknowledged with FUA, or acknowledged before a FLUSH
 * that was acknowledged, is on disk after the restart (NBD's durability promise, as qemu relies on it); a write
 * acknowledged without either holds either its old or its new bytes, whole. Each write goes to its own 64 KiB
 * block, so the journal needs no ordering between connections.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noise, readImage, type Rng } from './harness/image.js';
import { NbdClient } from './harness/nbd-client.js';
import { CrashRig, TRIALS } from './harness/rig.js';

const BLOCK = 64 * 1024;
const SLOTS = 4096; // 256 MiB of blocks: more than a trial can write before its kill
const CONNECTIONS = 3;

type State = 'sent' | 'acked' | 'durable';

interface Journal {
  readonly seed: number;
  readonly state: (State | undefined)[];
  next: number;
}

/** One connection: writes fresh blocks until the connection dies; FUA, or plain writes made durable by FLUSH. */
async function writer(port: number, diskId: string, journal: Journal, rng: Rng): Promise<void> {
  const nbd = await NbdClient.open(port, diskId);
  const unflushed: number[] = [];
  for (;;) {
    const slot = journal.next++;
    if (slot >= SLOTS) return nbd.close();
    const fua = rng.next() < 0.3;
    journal.state[slot] = 'sent';
    await nbd.write(slot * BLOCK, noise(journal.seed + slot, BLOCK), fua);
    journal.state[slot] = fua ? 'durable' : 'acked';
    if (!fua) unflushed.push(slot);
    if (unflushed.length >= 6 || (unflushed.length > 0 && rng.next() < 0.2)) {
      const covered = unflushed.splice(0);
      await nbd.flush();
      for (const s of covered) journal.state[s] = 'durable';
    }
  }
}

describe('crash: NBD writes', { timeout: 60_000 + TRIALS * 60_000 }, () => {
  let rig: CrashRig;
  before(async () => {
    rig = await CrashRig.open(4);
  });
  after(async () => rig?.close());

  it(`SIGKILL under ${CONNECTIONS} writing connections (${TRIALS} trials): acknowledged FUA/FLUSHed writes survive`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const diskId = await rig.api.createDisk();
      const journal: Journal = { seed: rig.rng.int(1, 2 ** 31), state: [], next: 0 };
      const outcome = await rig.killDuring(500, 1500, () =>
        Promise.allSettled(Array.from({ length: CONNECTIONS }, () => writer(rig.nbdPort, diskId, journal, rig.rng))));
      await rig.check();
      const written = journal.state.length;
      const disk = await readImage(rig.nbdPort, diskId, written * BLOCK);
      const counts = { durable: 0, acked: 0, sent: 0 };
      for (let slot = 0; slot < written; slot++) {
        const state = journal.state[slot]!;
        counts[state]++;
        const actual = disk.subarray(slot * BLOCK, (slot + 1) * BLOCK);
        const expected = noise(journal.seed + slot, BLOCK);
        if (state === 'durable') assert.ok(actual.equals(expected), `durable write to block ${slot} is on disk`);
        if (state === 'acked') {
          assert.ok(actual.equals(expected) || actual.equals(Buffer.alloc(BLOCK)), `acknowledged write to block ${slot} is whole`);
        }
      }
      console.log(`# trial ${trial}: killed after ${outcome.delayMs} ms; writes durable ${counts.durable}, ` +
        `acknowledged only ${counts.acked}, in flight ${counts.sent}`);
    }
  });
});
