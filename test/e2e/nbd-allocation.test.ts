/**
 * A real volume (LocalBlockEngine) served by the NBD server, seen through the
 * real clients: nbdinfo reports structured replies, base:allocation,
 * can_multi_conn and the block sizes; `nbdinfo --map` and `qemu-img map` show
 * data exactly on the chunks written and holes elsewhere; `qemu-img convert`
 * and `nbdcopy` copy the sparse disk out bit for bit, and nbdcopy copies an
 * image in over several connections (multi-conn).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/kernel/clock.js';
import { LocalBlockEngine } from '../../src/engine/local-engine.js';
import { DEFAULT_CHUNK_SIZE } from '../../src/engine/engine-options.js';
import { NbdServer } from '../../src/engine/nbd/server.js';
import { nbdUri, qemuIo, sha256File, tool } from '../support/nbd-tools.js';
import { tempDir } from '../support/server.js';

const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
const CHUNK = DEFAULT_CHUNK_SIZE; // allocation is tracked per chunk of the engine's default size

/** Writes made through qemu-io, and the image they make. */
const WRITES: { offset: number; length: number; pattern: number }[] = [
  { offset: 3 * MiB, length: MiB, pattern: 0x11 }, // exactly chunk 3
  { offset: 10 * MiB + 4096, length: 100 * 1024, pattern: 0x22 }, // inside chunk 10
  { offset: 20 * MiB - 512, length: 1024, pattern: 0x33 }, // straddles chunks 19 and 20
  { offset: SIZE - MiB, length: MiB, pattern: 0x44 }, // the last chunk
];

function expectedImage(): Buffer {
  const image = Buffer.alloc(SIZE);
  for (const w of WRITES) image.fill(w.pattern, w.offset, w.offset + w.length);
  return image;
}

/** Chunk-granular allocation of WRITES as [offset, length, data] runs over the whole disk. */
function expectedRuns(): [number, number, boolean][] {
  const data = new Set<number>();
  for (const w of WRITES) {
    for (let c = Math.floor(w.offset / CHUNK); c <= Math.floor((w.offset + w.length - 1) / CHUNK); c++) data.add(c);
  }
  const runs: [number, number, boolean][] = [];
  for (let c = 0; c < SIZE / CHUNK; c++) {
    const last = runs[runs.length - 1];
    if (last && last[2] === data.has(c)) last[1] += CHUNK;
    else runs.push([c * CHUNK, CHUNK, data.has(c)]);
  }
  return runs;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('NBD against a real volume: allocation, maps and sparse copies', { timeout: 300_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let engine: LocalBlockEngine;
  let server: NbdServer;
  let uri: (name: string) => string;

  before(async () => {
    dir = await tempDir('edgesnap-nbd-alloc-');
    engine = await LocalBlockEngine.open({ dataDir: dir.path, clock: new ManualClock('2026-01-01T00:00:00Z') });
    await engine.createVolume('vol-sparse', SIZE);
    server = new NbdServer(engine.exports());
    const { port } = await server.listen('127.0.0.1', 0);
    uri = (name) => nbdUri('127.0.0.1', port, name);
    await qemuIo(uri('vol-sparse'), ...WRITES.map((w) => `write -P 0x${w.pattern.toString(16)} ${w.offset} ${w.length}`));
  });
  after(async () => {
    await server.close();
    await engine.close();
    await dir.remove();
  });

  it('nbdinfo: structured replies, base:allocation, can_multi_conn and block sizes 1 / 4096 / 32 MiB', async () => {
    const info = JSON.parse(await tool('nbdinfo', ['--json', uri('vol-sparse')])) as {
      protocol: string;
      exports: Record<string, unknown>[];
    };
    assert.match(info.protocol, /newstyle-fixed/);
    const exp = info.exports[0]!;
    assert.equal(exp['export-size'], SIZE);
    assert.equal(exp['can_multi_conn'], true);
    assert.equal(exp['can_df'], true);
    assert.equal(exp['can_flush'], true);
    assert.equal(exp['can_fua'], true);
    assert.equal(exp['block_size_minimum'], 1);
    assert.equal(exp['block_size_preferred'], 4096);
    assert.equal(exp['block_size_maximum'], 32 * MiB);
    assert.equal(exp['description'], 'edgesnap volume vol-sparse');
    assert.deepEqual(exp['contexts'], ['base:allocation']);
    assert.match(await tool('nbdinfo', [uri('vol-sparse')]), /using structured packets/);
  });

  it('nbdinfo --map: data exactly on the chunks written, hole,zero elsewhere', async () => {
    const map = JSON.parse(await tool('nbdinfo', ['--map', '--json', uri('vol-sparse')])) as
      { offset: number; length: number; type: number; description: string }[];
    assert.deepEqual(
      map.map((e) => [e.offset, e.length, e.type, e.description]),
      expectedRuns().map(([offset, length, data]) => [offset, length, data ? 0 : 3, data ? 'data' : 'hole,zero']),
    );
  });

  it('qemu-img map: the same extents (data vs zero)', async () => {
    const map = JSON.parse(await tool('qemu-img', ['map', '--output=json', '-f', 'raw', uri('vol-sparse')])) as
      { start: number; length: number; data: boolean; zero: boolean }[];
    assert.deepEqual(
      map.map((e) => [e.start, e.length, e.data, e.zero]),
      expectedRuns().map(([offset, length, data]) => [offset, length, data, !data]),
    );
  });

  it('qemu-img convert and nbdcopy copy the sparse disk out bit for bit, sparse', async () => {
    const want = sha256(expectedImage());
    const viaQemu = join(dir.path, 'qemu.raw');
    const viaNbdcopy = join(dir.path, 'nbdcopy.raw');
    await tool('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', uri('vol-sparse'), viaQemu]);
    await tool('nbdcopy', [uri('vol-sparse'), viaNbdcopy]);
    for (const file of [viaQemu, viaNbdcopy]) {
      assert.equal(await sha256File(file), want, file);
      const { size, blocks } = await stat(file);
      assert.equal(size, SIZE);
      assert.ok(blocks * 512 < 16 * MiB, `${file} is sparse (${blocks * 512} bytes allocated)`);
    }
  });

  it('nbdcopy copies an image in over several connections (multi-conn), and it reads back the same', async () => {
    await engine.createVolume('vol-in', SIZE);
    const source = join(dir.path, 'source.raw');
    const image = Buffer.alloc(SIZE);
    for (let i = 0; i < SIZE; i += 4 * MiB) image.fill((i / MiB) & 0xff || 1, i, i + 3 * MiB); // 1 MiB gaps of zeroes
    await writeFile(source, image);
    await tool('nbdcopy', ['--connections=4', '--flush', source, uri('vol-in')]);
    const back = join(dir.path, 'back.raw');
    await tool('nbdcopy', [uri('vol-in'), back]);
    assert.equal(sha256(await readFile(back)), sha256(image));
    const map = JSON.parse(await tool('nbdinfo', ['--map', '--json', uri('vol-in')])) as { type: number }[];
    assert.ok(map.some((e) => e.type === 3), 'the zero gaps nbdcopy skipped stay holes');
  });
});
