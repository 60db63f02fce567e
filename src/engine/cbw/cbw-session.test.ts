/** Deterministic interleavings of guest writes and the job's captures in one session. */
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { systemClock } from '../../kernel/clock.js';
import { MemoryChunkStore } from '../chunks/memory-chunk-store.js';
import { sha256Hex } from '../chunks/chunk-store.js';
import { HookedChunkStore, Prng, tempDir, type TempDir } from '../testing/fixtures.js';
import { Volume, type RangeReader } from '../volume/volume.js';
import { HashPool, syncHasher, type Hasher } from '../support/worker-pool.js';
import { EngineError } from '../engine.js';
import { CbwSession } from './cbw-session.js';

const CHUNK = 64 * 1024;
const SIZE = 8 * CHUNK;

/** A promise and its resolver. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A volume of SIZE bytes of `seed`'s image in `dirPath`, and a session over `store` guarding it from now on. */
async function guardedVolume(dirPath: string, seed: string, store: HookedChunkStore, hasher: Hasher):
  Promise<{ image: Buffer; volume: Volume; session: CbwSession }> {
  const path = join(dirPath, 'v.raw');
  const image = new Prng(seed).bytes(SIZE);
  const fh = await open(path, 'w');
  await fh.write(image, 0, SIZE, 0);
  await fh.close();
  const volume = await Volume.open('v', path);
  const header = { snapshotId: 's', volumeId: 'v', sizeBytes: SIZE, chunkSize: CHUNK, createdAt: 0 };
  const session = await CbwSession.create(join(dirPath, 's.session'), header, store, dirPath, hasher);
  await session.attachTo(volume);
  return { image, volume, session };
}

describe('CbwSession', () => {
  let dir: TempDir;
  let volume: Volume;
  let store: HookedChunkStore;
  let session: CbwSession;
  let image: Buffer;
  /** Runs before each hash (captures by the job and by guest writes both hash): holds captures at a gate. */
  let beforeHash: ((data: Buffer) => Promise<void>) | undefined;
  let hashes: number;
  const hasher: Hasher = async (data) => {
    hashes++;
    await beforeHash?.(data);
    return syncHasher(data);
  };

  beforeEach(async () => {
    dir = await tempDir();
    store = new HookedChunkStore(new MemoryChunkStore());
    beforeHash = undefined;
    hashes = 0;
    ({ image, volume, session } = await guardedVolume(dir.path, 'cbw', store, hasher));
  });
  afterEach(async () => {
    await session.end();
    await volume.close();
    await dir.cleanup();
  });

  const oldDigest = (i: number): string => sha256Hex(image.subarray(i * CHUNK, (i + 1) * CHUNK));

  /** Captures what is left as the snapshot job does, parked chunks included. */
  async function finish(): Promise<void> {
    for (const i of session.uncaptured()) await session.capture(volume, i, false);
    await session.storeStaged(2);
    await session.sync();
  }

  it('the job does not re-capture a chunk a guest write is capturing (it waits for the lock)', async () => {
    const held = gate();
    beforeHash = () => held.promise;
    const guestWrite = volume.write(2 * CHUNK + 5, Buffer.alloc(10, 0xee), false);
    await systemClock.sleep(1);
    const jobCapture = session.capture(volume, 2, false);
    await systemClock.sleep(1);
    held.open();
    await Promise.all([guestWrite, jobCapture]);
    assert.equal(hashes, 1, 'chunk 2 was read and hashed once');
    assert.equal(store.puts, 0, 'the guest capture parked it in the stage file');
    assert.equal(session.stagedPending, 1);
    assert.deepEqual(session.uncaptured(), [0, 1, 3, 4, 5, 6, 7]);
    assert.throws(() => session.digests(), /staged/, 'no manifest while a parked chunk is not stored');
    await finish();
    assert.equal(store.puts, 8);
    assert.equal(session.stagedPending, 0);
    assert.deepEqual(session.digests(), Array.from({ length: 8 }, (_, i) => oldDigest(i)));
    assert.equal(session.storedBytes(), SIZE);
  });

  it('a guest write to a chunk the job is storing parks the job\'s read and does not wait for the store', async () => {
    const held = gate();
    store.beforePut = () => held.promise;
    const jobCapture = session.capture(volume, 3, false);
    await systemClock.sleep(5); // the job has read and hashed chunk 3; its put is held
    await volume.write(3 * CHUNK, Buffer.alloc(CHUNK, 1), true);
    assert.equal(hashes, 1, 'the guest parked the bytes the job had read');
    assert.equal(session.stagedPending, 1);
    assert.deepEqual((await volume.read(3 * CHUNK, CHUNK)), Buffer.alloc(CHUNK, 1));
    held.open();
    await jobCapture;
    assert.equal(session.stagedPending, 0, 'the job recorded the chunk: the parked copy is not stored again');
    await finish();
    assert.equal(store.puts, 8);
    assert.equal(session.digests()[3], oldDigest(3));
  });

  it('different chunks are captured concurrently; a write straddling chunks captures both', async () => {
    const held = gate();
    beforeHash = (data) => (sha256Hex(data) === oldDigest(0) ? held.promise : Promise.resolve());
    let blockedDone = false;
    const blocked = volume.write(10, Buffer.alloc(5, 9), false).then(() => (blockedDone = true));
    await volume.write(2 * CHUNK - 3, Buffer.alloc(6, 7), false); // chunks 1 and 2
    await volume.write(5 * CHUNK, Buffer.alloc(5, 9), false);
    assert.equal(blockedDone, false, 'chunk 0 is still being captured while 1, 2 and 5 went through');
    held.open();
    await blocked;
    assert.deepEqual(session.uncaptured(), [3, 4, 6, 7]);
    assert.equal(session.stagedTotal, 4, 'chunks 0, 1, 2 and 5 parked');
    await finish();
    assert.deepEqual(session.digests(), Array.from({ length: 8 }, (_, i) => oldDigest(i)));
    assert.equal(session.storedBytes(), SIZE);
  });

  it('after end, writes are no longer guarded and captures are refused', async () => {
    await session.end();
    await volume.write(0, Buffer.alloc(10, 1), false);
    assert.equal(store.puts, 0);
    assert.throws(() => session.assertActive(), /ended/);
  });
});

describe('CbwSession, the job reading into lent hashing slots', () => {
  let dir: TempDir;
  let volume: Volume;
  let store: HookedChunkStore;
  let pool: HashPool;
  let session: CbwSession;
  let image: Buffer;

  beforeEach(async () => {
    dir = await tempDir();
    store = new HookedChunkStore(new MemoryChunkStore());
    // One thread's slots, reused while parked copies and stored files must stay intact.
    pool = new HashPool({ threads: 1, minBytes: 1024, encodeLevel: 1, slotBytes: CHUNK });
    const hasher: Hasher = Object.assign((data: Buffer, encode?: boolean) => pool.hash(data, encode), {
      lend: (length: number) => pool.lend(length),
    });
    ({ image, volume, session } = await guardedVolume(dir.path, 'cbw-lent', store, hasher));
  });
  afterEach(async () => {
    await session.end();
    await volume.close();
    await pool.close();
    await dir.cleanup();
  });

  const oldChunk = (i: number): Buffer => image.subarray(i * CHUNK, (i + 1) * CHUNK);

  it('a guest write parks its own copy of the job\'s read: the slot is released and reused before the park is stored', async () => {
    const held = gate();
    store.beforePut = async (digest) => {
      if (digest !== sha256Hex(oldChunk(3))) return;
      await held.promise;
      throw new Error('injected: the job fails to store chunk 3');
    };
    const jobCapture = session.capture(volume, 3, false);
    await systemClock.sleep(20); // the job has read chunk 3 into a slot and hashed it; its put is held
    await volume.write(3 * CHUNK, Buffer.alloc(CHUNK, 1), true);
    assert.equal(session.stagedPending, 1, 'the guest parked the job\'s read');
    held.open();
    await assert.rejects(jobCapture, /injected/);
    store.beforePut = undefined;
    assert.equal(session.stagedPending, 1, 'the parked copy is what will be stored');
    // The other chunks go through the same slots, overwriting chunk 3's old slot.
    await Promise.all(session.uncaptured().map((i) => session.capture(volume, i, false)));
    await session.storeStaged(2);
    await session.sync();
    const digests = session.digests();
    for (let i = 0; i < 8; i++) {
      assert.equal(digests[i], sha256Hex(oldChunk(i)), `chunk ${i}: the point-in-time bytes`);
      assert.ok((await store.get(digests[i]!))!.equals(oldChunk(i)), `chunk ${i} stored intact`);
    }
  });

  it('a guest write over several chunks parks them all, and the job refuses a parked chunk damaged since', async () => {
    await volume.write(CHUNK / 2, Buffer.alloc(3 * CHUNK, 0x33), false); // chunks 0 to 3
    assert.equal(session.stagedPending, 4);
    const stage = await open(join(dir.path, 's.stage'), 'r+');
    await stage.write(Buffer.from('damaged'), 0, 7, 200); // inside the first parked chunk's bytes
    await stage.close();
    await assert.rejects(session.storeStaged(2), (err: unknown) => err instanceof EngineError && err.kind === 'ChunkCorrupt');
  });

  /** `volume` as the job reads it, noting how many chunks each vectored read took. */
  function countingReader(): { reader: RangeReader; readvs: number[] } {
    const readvs: number[] = [];
    const reader: RangeReader = {
      read: (offset, length) => volume.read(offset, length),
      readvInto: (offset, targets) => {
        readvs.push(targets.length);
        return volume.readvInto(offset, targets);
      },
      isUnallocated: (offset, length) => volume.isUnallocated(offset, length),
    };
    return { reader, readvs };
  }

  it('captureRun reads a run once; a guest write racing it keeps the point-in-time bytes', async () => {
    const held = gate();
    store.beforePut = (digest) => (digest === sha256Hex(oldChunk(2)) ? held.promise : Promise.resolve());
    const { reader, readvs } = countingReader();
    const run = session.captureRun(reader, [0, 1, 2, 3, 4, 5, 6, 7]);
    await systemClock.sleep(20); // read and hashed; chunk 2's put is held
    await volume.write(2 * CHUNK + 7, Buffer.alloc(CHUNK, 2), true); // chunks 2 and 3
    held.open();
    await run;
    assert.deepEqual(readvs, [8], 'one read for the whole run');
    await session.storeStaged(2);
    await session.sync();
    const digests = session.digests();
    for (let i = 0; i < 8; i++) {
      assert.equal(digests[i], sha256Hex(oldChunk(i)), `chunk ${i}: the point-in-time bytes`);
      assert.ok((await store.get(digests[i]!))!.equals(oldChunk(i)));
    }
  });

  it('captureRun skips a chunk a guest write captured (its bytes read are the new ones), and reads alone the chunks no slot is free for', async () => {
    const taken = [];
    for (let slot = pool.lend(CHUNK); slot; slot = pool.lend(CHUNK)) taken.push(slot);
    for (const slot of taken.splice(0, 6)) slot.release(); // six slots left for the run
    await volume.write(5 * CHUNK, Buffer.alloc(100, 5), false); // a guest captures chunk 5, then writes it
    const { reader, readvs } = countingReader();
    await session.captureRun(reader, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(readvs[0], 6, 'chunks 0-5 in one read');
    assert.ok(readvs.slice(1).every((n) => n === 1), 'the others alone');
    for (const slot of taken) slot.release();
    await session.storeStaged(2);
    await session.sync();
    assert.deepEqual(session.digests(), Array.from({ length: 8 }, (_, i) => sha256Hex(oldChunk(i))));
    assert.equal(session.stagedTotal, 1);
  });

  it('a failed run read fails the run, also for a chunk whose lock is busy meanwhile (no unhandled rejection)', async () => {
    const held = gate();
    store.beforePut = (digest) => (digest === sha256Hex(oldChunk(1)) ? held.promise : Promise.resolve());
    const holding = session.capture(volume, 1, false); // holds chunk 1's lock until its put is let go
    await systemClock.sleep(20);
    const failing: RangeReader = { ...countingReader().reader, readvInto: async () => Promise.reject(new Error('EIO: injected')) };
    const run = session.captureRun(failing, [0, 1, 2]);
    await systemClock.sleep(20); // the read has failed while chunk 1's lock is still held
    held.open();
    await holding;
    await assert.rejects(run, /EIO: injected/);
  });

  it('concurrent job captures and guest writes keep every chunk\'s point-in-time bytes', async () => {
    const writes = Array.from({ length: 8 }, (_, i) =>
      volume.write(i * CHUNK + 100 * i, Buffer.alloc(1000, 0x80 + i), i % 2 === 0));
    const captures = Array.from({ length: 8 }, (_, i) => session.capture(volume, 7 - i, false));
    await Promise.all([...writes, ...captures]);
    await session.storeStaged(4);
    await session.sync();
    const digests = session.digests();
    for (let i = 0; i < 8; i++) {
      assert.equal(digests[i], sha256Hex(oldChunk(i)));
      assert.ok((await store.get(digests[i]!))!.equals(oldChunk(i)));
    }
  });
});
