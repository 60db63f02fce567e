import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError } from '../engine.js';
import { sha256Hex } from '../chunks/chunk-store.js';
import { buildManifest, decodeManifest } from './manifest.js';

const fields = {
  snapshotId: 's-1', volumeId: 'd-1', sizeBytes: 3 * 65536 + 1, chunkSize: 65536, createdAt: 5, storedBytes: 65536,
  chunks: [sha256Hex('a'), null, sha256Hex('b'), null],
};

function isCorrupt(err: unknown): boolean {
  return err instanceof EngineError && err.kind === 'ManifestCorrupt';
}

describe('manifest', () => {
  it('round-trips and counts data chunks', () => {
    const manifest = buildManifest(fields);
    assert.equal(manifest.dataChunks, 2);
    assert.deepEqual(decodeManifest(JSON.stringify(manifest), 'x'), manifest);
  });

  it('detects a changed digest, a swapped order, a changed size and bad JSON', () => {
    const good = buildManifest(fields);
    const variants = [
      { ...good, chunks: [sha256Hex('c'), null, sha256Hex('b'), null] },
      { ...good, chunks: [sha256Hex('b'), null, sha256Hex('a'), null] },
      { ...good, chunks: [null, sha256Hex('a'), sha256Hex('b'), null], dataChunks: 2 },
      { ...good, sizeBytes: good.sizeBytes + 1 },
      { ...good, chunkSize: 131072, sizeBytes: 2 * 131072 + 1 },
      { ...good, chunks: good.chunks.slice(1) },
      { ...good, dataChunks: 3 },
      { ...good, checksum: good.checksum.replace(/^./, (c) => (c === '0' ? '1' : '0')) },
    ];
    for (const variant of variants) assert.throws(() => decodeManifest(JSON.stringify(variant), 'x'), isCorrupt);
    assert.throws(() => decodeManifest(JSON.stringify(good).slice(0, -2), 'x'), isCorrupt);
    assert.throws(() => decodeManifest('null', 'x'), isCorrupt);
  });
});
