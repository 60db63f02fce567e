/**
 * The fleet of per-region engines: regions are isolated, and copySnapshot
 * moves exactly the missing chunks (verified) and then the manifest —
 * idempotent, resumable after an abort or a close, never leaving a manifest
 * whose chunks are not all there.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ChunkStore } from './chunks/chunk-store.js';
import { decodeChunk } from './chunks/codec.js';
import { FsChunkStore } from './chunks/fs-chunk-store.js';
import { LocalRegionalEngines } from './regional-engines.js';
import { clock, engineError } from './testing/engine-fixture.js';
import {
  HookedChunkStore, Prng, readVolume, sha256, tempDir, writeVolume, type TempDir,
} from './testing/fixtures.js';
import { mustFindChunk, storedDigests } from './testing/stored-chunks.js';

const CHUNK = 64 * 1024;
const SIZE = 40 * CHUNK + 12345; // 41 chunks, the last one partial
const REGIONS = ['r-a', 'r-b', 'r-c'];

/** Random chunks, zero chunks, one chunk repeated four times, a partial last chunk. */
function sourceImage(): Buffer {
  const prng = new Prng('regional');
  const image = prng.bytes(SIZE);
  image.fill(0, 10 * CHUNK, 20 * CHUNK);
  const repeated = prng.bytes(CHUNK);
  for (const index of [20, 21, 22, 30]) repeated.copy(image, index * CHUNK);
  image.fill(0, 33 * CHUNK, 35 * CHUNK);
  return image;
}

/** Distinct non-zero chunks of `image` and their total length, computed from the bytes alone. */
function distinctDataChunks(image: Buffer): { count: number; bytes: number } {
  const seen = new Map<string, number>();
  for (let offset = 0; offset < image.length; offset += CHUNK) {
    const chunk = image.subarray(offset, offset + CHUNK);
    if (chunk.some((b) => b !== 0)) seen.set(sha256(chunk), chunk.length);
  }
  return { count: seen.size, bytes: [...seen.values()].reduce((a, b) => a + b, 0) };
}

describe('LocalRegionalEngines: regions and copySnapshot', () => {
  const image = sourceImage();
  const expected = distinctDataChunks(image);
  let dir: TempDir;
  const fleets: LocalRegionalEngines[] = [];

  async function openFleet(chunkStores?: ReadonlyMap<string, ChunkStore>): Promise<LocalRegionalEngines> {
    const fleet = await LocalRegionalEngines.open({
      dataDir: dir.path, regionIds: REGIONS, chunkSize: CHUNK, clock, concurrency: 2, chunkStores,
    });
    fleets.push(fleet);
    return fleet;
  }

  /** A fleet with volume d-src in r-a holding the image, snapshotted as s-1. */
  async function fleetWithSnapshot(chunkStores?: ReadonlyMap<string, ChunkStore>): Promise<LocalRegionalEngines> {
    const fleet = await openFleet(chunkStores);
    const a = fleet.region('r-a');
    await a.createVolume('d-src', SIZE);
    await writeVolume(a.exports(), 'd-src', 0, image);
    await a.beginSnapshot('d-src', 's-1');
    await a.runSnapshot('s-1');
    return fleet;
  }

  async function assertRestores(fleet: LocalRegionalEngines, regionId: string, snapshotId: string, volumeId: string):
    Promise<void> {
    await fleet.region(regionId).restoreVolume(snapshotId, volumeId, SIZE);
    assert.equal(sha256(await readVolume(fleet.region(regionId).exports(), volumeId)), sha256(image));
  }

  const manifestsOf = (regionId: string): Promise<string[]> => readdir(join(dir.path, regionId, 'manifests'));
  const chunksOf = async (regionId: string): Promise<number> =>
    (await storedDigests(join(dir.path, regionId, 'chunks'))).size;

  beforeEach(async () => (dir = await tempDir()));
  afterEach(async () => {
    for (const fleet of fleets.splice(0)) await fleet.close();
    await dir.cleanup();
  });

  it('copies the distinct data chunks once; the copy restores bit for bit in the other region', async () => {
    const fleet = await fleetWithSnapshot();
    assert.ok(expected.count > 0 && expected.count < 41, 'the image has zero and repeated chunks');
    const result = await fleet.copySnapshot({ regionId: 'r-a', snapshotId: 's-1' }, { regionId: 'r-b', snapshotId: 's-1' });
    assert.deepEqual(result, { chunksCopied: expected.count, bytesCopied: expected.bytes, chunksPresent: 0 });
    assert.equal(await chunksOf('r-b'), expected.count);
    assert.equal(await chunksOf('r-c'), 0, 'other regions untouched');
    assert.deepEqual(await fleet.region('r-b').manifestInfo('s-1'), await fleet.region('r-a').manifestInfo('s-1'));
    await assertRestores(fleet, 'r-b', 's-1', 'd-b1');

    const again = await fleet.copySnapshot({ regionId: 'r-a', snapshotId: 's-1' }, { regionId: 'r-b', snapshotId: 's-2' });
    assert.deepEqual(again, { chunksCopied: 0, bytesCopied: 0, chunksPresent: expected.count }, 'deduplicated');
    assert.equal(await chunksOf('r-b'), expected.count);
    await assertRestores(fleet, 'r-b', 's-2', 'd-b2');
    assert.equal((await fleet.region('r-b').resetVolume('s-2', 'd-b1')).chunksRewritten, 0);
  });

  it('is a no-op when the destination manifest exists, even once the source is gone', async () => {
    const fleet = await fleetWithSnapshot();
    const from = { regionId: 'r-a', snapshotId: 's-1' };
    await fleet.copySnapshot(from, { regionId: 'r-b', snapshotId: 's-9' });
    const file = join(dir.path, 'r-b', 'manifests', 's-9.json');
    const before = await readFile(file);
    await fleet.region('r-a').deleteSnapshot('s-1');
    const nothing = { chunksCopied: 0, bytesCopied: 0, chunksPresent: 0 };
    assert.deepEqual(await fleet.copySnapshot(from, { regionId: 'r-b', snapshotId: 's-9' }), nothing);
    assert.deepEqual(await readFile(file), before);
    await assert.rejects(fleet.copySnapshot(from, { regionId: 'r-b', snapshotId: 's-10' }), engineError('ManifestNotFound'));
    await assertRestores(fleet, 'r-b', 's-9', 'd-b');
  });

  it('within one region writes a second manifest and copies nothing', async () => {
    const fleet = await fleetWithSnapshot();
    const from = { regionId: 'r-a', snapshotId: 's-1' };
    assert.deepEqual(await fleet.copySnapshot(from, { regionId: 'r-a', snapshotId: 's-1-copy' }),
      { chunksCopied: 0, bytesCopied: 0, chunksPresent: expected.count });
    assert.deepEqual(await fleet.copySnapshot(from, from), { chunksCopied: 0, bytesCopied: 0, chunksPresent: 0 });
    await fleet.region('r-a').deleteSnapshot('s-1');
    await assertRestores(fleet, 'r-a', 's-1-copy', 'd-a2');
  });

  it('refuses unknown regions, missing and unfinished snapshots, and leaves nothing behind', async () => {
    const fleet = await fleetWithSnapshot();
    const to = { regionId: 'r-b', snapshotId: 's-x' };
    await assert.rejects(fleet.copySnapshot({ regionId: 'r-a', snapshotId: 's-none' }, to), engineError('ManifestNotFound'));
    await assert.rejects(fleet.copySnapshot({ regionId: 'r-zz', snapshotId: 's-1' }, to), engineError('RegionNotFound'));
    await assert.rejects(fleet.copySnapshot({ regionId: 'r-a', snapshotId: 's-1' }, { regionId: 'r-zz', snapshotId: 's-x' }),
      engineError('RegionNotFound'));
    await assert.rejects(fleet.copySnapshot({ regionId: 'r-a', snapshotId: '../s-1' }, to), TypeError);
    await fleet.region('r-a').beginSnapshot('d-src', 's-open'); // a session, no manifest yet
    await assert.rejects(fleet.copySnapshot({ regionId: 'r-a', snapshotId: 's-open' }, to), engineError('ManifestNotFound'));
    assert.deepEqual(await manifestsOf('r-b'), []);
    assert.equal(await chunksOf('r-b'), 0);
    assert.throws(() => fleet.region('r-zz'), engineError('RegionNotFound'));
  });

  it('a corrupted or missing source chunk fails the copy without a destination manifest; fixed, it completes', async () => {
    const fleet = await fleetWithSnapshot();
    const manifest = JSON.parse(await readFile(join(dir.path, 'r-a', 'manifests', 's-1.json'), 'utf8')) as
      { chunks: (string | null)[] };
    const digest = manifest.chunks[36]!;
    const stored = await mustFindChunk(join(dir.path, 'r-a', 'chunks'), digest);
    const original = await stored.read();
    const flipped = Buffer.from(original);
    flipped[77] = flipped[77]! ^ 0x80;
    const from = { regionId: 'r-a', snapshotId: 's-1' };
    const to = { regionId: 'r-c', snapshotId: 's-1' };

    await stored.write(flipped);
    await assert.rejects(fleet.copySnapshot(from, to), engineError('ChunkCorrupt'));
    assert.deepEqual(await manifestsOf('r-c'), []);
    assert.equal(await fleet.region('r-c').manifestInfo('s-1'), undefined);
    assert.equal(await fleet.region('r-c').chunkStore.has(digest), false, 'the bad bytes were not stored');

    await stored.write(original);
    assert.equal(await fleet.region('r-a').chunkStore.delete(digest), true);
    await assert.rejects(fleet.copySnapshot(from, to), engineError('ChunkMissing'));
    assert.deepEqual(await manifestsOf('r-c'), []);

    await fleet.region('r-a').chunkStore.put(digest, decodeChunk(original));
    const result = await fleet.copySnapshot(from, to);
    assert.equal(result.chunksCopied + result.chunksPresent, expected.count);
    await assertRestores(fleet, 'r-c', 's-1', 'd-c');
  });

  it('a copy aborted half-way leaves no manifest and a re-run after a restart finishes it', async () => {
    const hooked = new HookedChunkStore(await FsChunkStore.open(join(dir.path, 'r-b', 'chunks')));
    const fleet = await fleetWithSnapshot(new Map([['r-b', hooked]]));
    const controller = new AbortController();
    const reason = new Error('stop here');
    hooked.beforePut = async (_digest, n) => {
      if (n === 3) controller.abort(reason);
    };
    const from = { regionId: 'r-a', snapshotId: 's-1' };
    const to = { regionId: 'r-b', snapshotId: 's-1' };
    await assert.rejects(fleet.copySnapshot(from, to, controller.signal), (err) => err === reason);
    assert.deepEqual(await manifestsOf('r-b'), []);
    const partial = await chunksOf('r-b');
    assert.ok(partial >= 3 && partial < expected.count, `${partial} chunks copied before the abort`);
    await assert.rejects(fleet.copySnapshot(from, to, controller.signal), (err) => err === reason);
    await fleet.close();

    const reopened = await openFleet();
    const result = await reopened.copySnapshot(from, to);
    assert.equal(result.chunksCopied, expected.count - partial);
    assert.equal(result.chunksPresent, partial);
    assert.ok(result.bytesCopied > 0 && result.bytesCopied < expected.bytes);
    await assertRestores(reopened, 'r-b', 's-1', 'd-b');
  });

  it('closing the fleet stops a copy in flight; the next open finishes it', async () => {
    const hooked = new HookedChunkStore(await FsChunkStore.open(join(dir.path, 'r-c', 'chunks')));
    const fleet = await fleetWithSnapshot(new Map([['r-c', hooked]]));
    let closing: Promise<void> | undefined;
    hooked.beforePut = async (_digest, n) => {
      if (n === 2) closing = fleet.close(); // not awaited: close waits for this copy
    };
    const from = { regionId: 'r-a', snapshotId: 's-1' };
    const to = { regionId: 'r-c', snapshotId: 's-2' };
    await assert.rejects(fleet.copySnapshot(from, to), /engine closed/);
    await closing;
    assert.deepEqual(await manifestsOf('r-c'), []);

    const reopened = await openFleet();
    const result = await reopened.copySnapshot(from, to);
    assert.equal(result.chunksCopied + result.chunksPresent, expected.count);
    assert.ok(result.chunksPresent >= 2);
    await assertRestores(reopened, 'r-c', 's-2', 'd-c');
  });

  it('keeps volumes apart per region; the fleet exports serve them all', async () => {
    const fleet = await fleetWithSnapshot();
    const [a, b] = [fleet.region('r-a'), fleet.region('r-b')];
    assert.equal(await b.volumeExists('d-src'), false);
    assert.equal(await b.exports().open('d-src'), undefined);
    await fleet.copySnapshot({ regionId: 'r-a', snapshotId: 's-1' }, { regionId: 'r-b', snapshotId: 's-1' });
    await b.restoreVolume('s-1', 'd-b', SIZE);
    assert.equal(await a.volumeExists('d-b'), false);
    assert.equal(await a.manifestInfo('s-none'), undefined);
    assert.deepEqual(await b.exports().list(), ['d-b']);
    assert.deepEqual((await fleet.exports().list())?.sort(), ['d-b', 'd-src']);
    for (const volumeId of ['d-src', 'd-b']) {
      assert.equal(sha256(await readVolume(fleet.exports(), volumeId)), sha256(image));
    }
    await writeVolume(fleet.exports(), 'd-b', 0, Buffer.alloc(CHUNK, 0xab));
    assert.equal(sha256(await readVolume(a.exports(), 'd-src')), sha256(image), 'a write in B does not reach A');
  });
});
