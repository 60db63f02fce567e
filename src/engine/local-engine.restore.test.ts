/** Restore verifies everything and never leaves a half-restored volume under the real name. */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalBlockEngine } from './local-engine.js';
import { clock, engineError } from './testing/engine-fixture.js';
import { Prng, readVolume, sha256, tempDir, writeVolume, type TempDir } from './testing/fixtures.js';
import { mustFindChunk, type StoredChunk } from './testing/stored-chunks.js';
import { decodeChunk } from './chunks/codec.js';

const CHUNK = 64 * 1024;
const SIZE = 2 * 1024 * 1024;

describe('LocalBlockEngine: restore integrity', () => {
  let dir: TempDir;
  let engine: LocalBlockEngine;
  let image: Buffer;
  let chunk: StoredChunk;
  let digest: string;
  let manifestFile: string;

  before(async () => {
    dir = await tempDir();
    engine = await LocalBlockEngine.open({ dataDir: dir.path, clock, chunkSize: CHUNK });
    image = new Prng('restore').bytes(SIZE);
    await engine.createVolume('d-src', SIZE);
    await writeVolume(engine.exports(), 'd-src', 0, image);
    await engine.beginSnapshot('d-src', 's-1');
    await engine.runSnapshot('s-1');
    manifestFile = join(dir.path, 'manifests', 's-1.json');
    digest = (JSON.parse(await readFile(manifestFile, 'utf8')) as { chunks: string[] }).chunks[7]!;
    chunk = await mustFindChunk(join(dir.path, 'chunks'), digest);
  });
  after(async () => {
    await engine.close();
    await dir.cleanup();
  });

  async function assertNothingLeft(volumeId: string): Promise<void> {
    assert.equal(await engine.volumeExists(volumeId), false);
    assert.deepEqual((await readdir(join(dir.path, 'volumes'))).filter((n) => n.startsWith(volumeId)), []);
    assert.equal(await engine.exports().open(volumeId), undefined);
  }

  it('detects a flipped byte in a chunk', async () => {
    const original = await chunk.read();
    const flipped = Buffer.from(original);
    flipped[1000] = flipped[1000]! ^ 0x01;
    try {
      await chunk.write(flipped);
      await assert.rejects(engine.restoreVolume('s-1', 'd-r1', SIZE), engineError('ChunkCorrupt'));
      await assertNothingLeft('d-r1');
      await chunk.write(Buffer.concat([original.subarray(0, 100), Buffer.alloc(original.length - 100)])); // cut short
      await assert.rejects(engine.restoreVolume('s-1', 'd-r1', SIZE), engineError('ChunkCorrupt'));
      await assertNothingLeft('d-r1');
    } finally {
      await chunk.write(original);
    }
  });

  it('detects a missing chunk', async () => {
    const original = await chunk.read();
    assert.equal(await engine.chunkStore.delete(digest), true);
    try {
      await assert.rejects(engine.restoreVolume('s-1', 'd-r2', SIZE), engineError('ChunkMissing'));
      await assertNothingLeft('d-r2');
    } finally {
      await engine.chunkStore.put(digest, decodeChunk(original));
      chunk = await mustFindChunk(join(dir.path, 'chunks'), digest);
    }
  });

  it('detects a corrupted or missing manifest', async () => {
    const original = await readFile(manifestFile, 'utf8');
    const manifest = JSON.parse(original) as { chunks: string[] };
    const [a, b] = [manifest.chunks[3]!, manifest.chunks[4]!];
    manifest.chunks[3] = b;
    manifest.chunks[4] = a; // every digest still exists: only the checksum can tell
    try {
      await writeFile(manifestFile, JSON.stringify(manifest));
      await assert.rejects(engine.restoreVolume('s-1', 'd-r3', SIZE), engineError('ManifestCorrupt'));
      await assert.rejects(engine.manifestInfo('s-1'), engineError('ManifestCorrupt'));
      await assertNothingLeft('d-r3');
      await writeFile(manifestFile, original.slice(0, original.length / 2));
      await assert.rejects(engine.restoreVolume('s-1', 'd-r3', SIZE), engineError('ManifestCorrupt'));
    } finally {
      await writeFile(manifestFile, original);
    }
    await assert.rejects(engine.restoreVolume('s-none', 'd-r3', SIZE), engineError('ManifestNotFound'));
    await assertNothingLeft('d-r3');
  });

  it('restores exactly once everything is intact, and a retry is a no-op', async () => {
    await engine.restoreVolume('s-1', 'd-ok', SIZE);
    assert.equal(sha256(await readVolume(engine.exports(), 'd-ok')), sha256(image));
    await engine.restoreVolume('s-1', 'd-ok', SIZE);
    await engine.deleteSnapshot('s-1');
    await engine.restoreVolume('s-1', 'd-ok', SIZE); // completed before: still fine without the manifest
    assert.equal(sha256(await readVolume(engine.exports(), 'd-ok')), sha256(image));
  });
});
