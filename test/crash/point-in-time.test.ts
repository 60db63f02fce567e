/**
 * Point in time under concurrent writers: several NBD connections overwrite random 64 KiB blocks of one disk
 * without pause while snapshots are taken. A journal keeps, per write, when it was sent and when its
 * acknowledgement arrived (monotonic clock of this process), and, per snapshot, when CreateSnapshot was sent and
 * when its answer arrived. Each restored snapshot must equal the image at one instant between those two:
 * per block, the last write acknowledged before the call was sent (or one of several such writes that overlapped
 * each other), or a write in flight around the call (ambiguous) — never a write sent after the answer arrived.
 * Every block carries a stamp (connection, sequence number) and stamped noise, so a torn block is caught too.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { sleep } from './harness/api.js';
import { noise, readImage } from './harness/image.js';
import { NbdClient } from './harness/nbd-client.js';
import { CrashRig, TRIALS } from './harness/rig.js';

const BLOCK = 64 * 1024;
const BLOCKS = 256; // 16 MiB: 16 chunks of 1 MiB, several writers per chunk
const CONNECTIONS = 4;
const SNAPSHOTS = Math.max(3, TRIALS);

interface WriteRecord {
  readonly writer: number;
  readonly seq: number;
  readonly block: number;
  readonly sent: number;
  acked: number;
}

interface SnapshotRecord {
  readonly id: string;
  readonly sent: number;
  readonly answered: number;
}

/** The bytes of write (writer, seq): a stamp, then noise derived from it. Writer ids start at 1 (0 = never written). */
function blockBytes(writer: number, seq: number): Buffer {
  const b = noise(writer * 1_000_003 + seq, BLOCK);
  b.writeUInt32LE(writer, 0);
  b.writeUInt32LE(seq, 4);
  return b;
}

async function writer(port: number, diskId: string, id: number, journal: WriteRecord[], stop: { now: boolean }): Promise<number> {
  const nbd = await NbdClient.open(port, diskId);
  let seq = 0;
  let state = (id * 7919) >>> 0;
  while (!stop.now) {
    state = (state * 1103515245 + 12345) >>> 0;
    const rec: WriteRecord = { writer: id, seq: ++seq, block: state % BLOCKS, sent: performance.now(), acked: Infinity };
    journal.push(rec);
    await nbd.write(rec.block * BLOCK, blockBytes(id, rec.seq));
    rec.acked = performance.now();
  }
  await nbd.close();
  return seq;
}

/** The writes a block may show in the snapshot (`undefined` = never written), as `writer:seq` keys. */
function candidates(writes: readonly WriteRecord[], snap: SnapshotRecord): Set<string> {
  const before = writes.filter((w) => w.acked < snap.sent);
  const ambiguous = writes.filter((w) => w.sent < snap.answered && !(w.acked < snap.sent));
  // Of the writes done before the call, those not certainly overwritten by another one done before the call.
  const latest = before.filter((w) => !before.some((o) => o.sent > w.acked));
  const keys = new Set([...latest, ...ambiguous].map((w) => `${w.writer}:${w.seq}`));
  if (before.length === 0) keys.add('0:0');
  return keys;
}

describe('point in time under concurrent NBD writers', { timeout: 120_000 + SNAPSHOTS * 30_000 }, () => {
  let rig: CrashRig;
  before(async () => {
    rig = await CrashRig.open(5);
  });
  after(async () => rig?.close());

  it(`${SNAPSHOTS} snapshots taken while ${CONNECTIONS} connections write each restore the image of their instant`, async () => {
    const diskId = await rig.api.createDisk();
    const journal: WriteRecord[] = [];
    const stop = { now: false };
    const writers = Array.from({ length: CONNECTIONS }, (_, i) => writer(rig.nbdPort, diskId, i + 1, journal, stop));
    const snaps: SnapshotRecord[] = [];
    try {
      await sleep(300);
      for (let n = 0; n < SNAPSHOTS; n++) {
        const sent = performance.now();
        const id = await rig.api.createSnapshot(diskId);
        snaps.push({ id, sent, answered: performance.now() });
        assert.equal(await rig.api.settledSnapshot(id), 'available');
        await sleep(rig.rng.int(50, 400));
      }
    } finally {
      stop.now = true;
    }
    const perWriter = await Promise.all(writers);
    const byBlock = Array.from({ length: BLOCKS }, () => [] as WriteRecord[]);
    for (const w of journal) byBlock[w.block]!.push(w);

    for (const snap of snaps) {
      const restored = await rig.api.createDisk(undefined, snap.id);
      const image = await readImage(rig.nbdPort, restored, BLOCKS * BLOCK);
      let decided = 0;
      for (let b = 0; b < BLOCKS; b++) {
        const actual = image.subarray(b * BLOCK, (b + 1) * BLOCK);
        const stamp = `${actual.readUInt32LE(0)}:${actual.readUInt32LE(4)}`;
        const allowed = candidates(byBlock[b]!, snap);
        if (allowed.size === 1) decided++;
        assert.ok(allowed.has(stamp), `snapshot ${snap.id}, block ${b}: holds write ${stamp}, allowed ${[...allowed].join(' ')}`);
        const expected = stamp === '0:0' ? Buffer.alloc(BLOCK) : blockBytes(actual.readUInt32LE(0), actual.readUInt32LE(4));
        assert.ok(actual.equals(expected), `snapshot ${snap.id}, block ${b}: whole bytes of write ${stamp}`);
      }
      console.log(`# ${snap.id}: CreateSnapshot answered in ${(snap.answered - snap.sent).toFixed(1)} ms; ` +
        `${decided}/${BLOCKS} blocks had exactly one allowed value`);
    }
    console.log(`# writes per connection: ${perWriter.join(', ')}`);
    await rig.check();
  });
});
