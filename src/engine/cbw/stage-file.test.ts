/** The stage file: independent slots, each checked on load; damaged or torn ones are ignored. */
import assert from 'node:assert/strict';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sha256Hex } from '../chunks/chunk-store.js';
import { Prng, tempDir, type TempDir } from '../testing/fixtures.js';
import { syncHasher } from '../support/worker-pool.js';
import { STAGE_SLOT_HEADER, StageFile } from './stage-file.js';

const CHUNK = 64 * 1024;
const SLOT = STAGE_SLOT_HEADER + CHUNK;

describe('StageFile', () => {
  let dir: TempDir;
  let path: string;
  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir.path, 's.stage');
  });
  afterEach(async () => dir.cleanup());

  async function stageFour(): Promise<Buffer[]> {
    const prng = new Prng('stage');
    const chunks = [prng.bytes(CHUNK), prng.bytes(CHUNK), prng.bytes(CHUNK), prng.bytes(1000)];
    const stage = await StageFile.create(path, CHUNK);
    await Promise.all(chunks.map((data, i) => stage.put(10 + i, sha256Hex(data), data)));
    await stage.sync();
    await stage.close();
    return chunks;
  }

  it('reloads every slot with its index, digest and bytes; new slots go after the last one', async () => {
    const chunks = await stageFour();
    const loaded = await StageFile.load(path, CHUNK, syncHasher);
    assert.ok(loaded);
    const byIndex = new Map(loaded.staged.map((c) => [c.index, c]));
    assert.deepEqual([...byIndex.keys()].sort(), [10, 11, 12, 13]);
    for (const [i, data] of chunks.entries()) {
      const chunk = byIndex.get(10 + i)!;
      assert.equal(chunk.digest, sha256Hex(data));
      assert.ok((await loaded.stage.read(chunk)).equals(data));
    }
    const extra = Buffer.alloc(CHUNK, 7);
    const slot = await loaded.stage.put(99, sha256Hex(extra), extra);
    assert.equal(slot.slot, 4);
    await loaded.stage.close();
  });

  it('ignores a slot whose data or header is damaged and a torn last slot, keeping the others', async () => {
    await stageFour();
    const fh = await open(path, 'r+');
    const slots = (await StageFile.load(path, CHUNK, syncHasher))!;
    await slots.stage.close();
    const slotOf = (index: number): number => slots.staged.find((c) => c.index === index)!.slot;
    await fh.write(Buffer.from([0xff]), 0, 1, slotOf(10) * SLOT + STAGE_SLOT_HEADER + 500); // data of chunk 10
    await fh.write(Buffer.from([0x01]), 0, 1, slotOf(11) * SLOT + 9); // header of chunk 11 (its index)
    const torn = slotOf(13) === 3 ? 13 : 12; // cut the slot that ends the file
    await fh.truncate(slotOf(torn) * SLOT + STAGE_SLOT_HEADER + 10);
    await fh.close();
    const loaded = await StageFile.load(path, CHUNK, syncHasher);
    assert.ok(loaded);
    const kept = [10, 11, 12, 13].filter((i) => i !== 10 && i !== 11 && i !== torn);
    assert.deepEqual(loaded.staged.map((c) => c.index).sort(), kept);
    await loaded.stage.close();
  });

  it('load answers undefined without a file; create replaces a leftover one', async () => {
    assert.equal(await StageFile.load(path, CHUNK, syncHasher), undefined);
    await stageFour();
    const fresh = await StageFile.create(path, CHUNK);
    await fresh.close();
    assert.equal((await stat(path)).size, 0);
  });

  it('refuses empty or oversized chunks', async () => {
    const stage = await StageFile.create(path, CHUNK);
    await assert.rejects(stage.put(0, sha256Hex(''), Buffer.alloc(0)), RangeError);
    await assert.rejects(stage.put(0, sha256Hex('x'), Buffer.alloc(CHUNK + 1)), RangeError);
    await stage.close();
  });
});
