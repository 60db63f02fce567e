import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { tempDir, type TempDir } from '../testing/fixtures.js';
import { ChunkBitmap, DirtyMap, DirtyTable } from './dirty-map.js';

const CHUNK = 65536;

describe('DirtyMap', () => {
  it('marks every chunk a range touches, hands them off and takes them back', () => {
    const map = new DirtyMap(CHUNK, 's-0');
    map.mark(CHUNK - 1, 2); // straddles chunks 0 and 1
    map.mark(10 * CHUNK, CHUNK); // exactly chunk 10
    const handed = map.handOff('s-1');
    assert.deepEqual([handed.parent, handed.changed.has(0), handed.changed.has(1), handed.changed.has(10),
      handed.changed.has(11), handed.changed.count()], ['s-0', true, true, true, false, 3]);
    assert.equal(map.base, 's-1');
    map.mark(20 * CHUNK, 1);
    map.giveBack('s-1', handed);
    assert.equal(map.base, 's-0');
    const merged = map.handOff('s-2').changed;
    assert.deepEqual([0, 1, 10, 20].map((i) => merged.has(i)), [true, true, true, true]);
    map.giveBack('s-2', undefined); // changes unknown: full next time
    assert.equal(map.base, null);
  });

  it('round-trips through its encoding and rejects a damaged or foreign one', () => {
    const map = new DirtyMap(CHUNK, 's-9', new ChunkBitmap());
    map.mark(123 * CHUNK, 1);
    const text = map.encode();
    const back = DirtyMap.decode(text, CHUNK);
    assert.equal(back?.base, 's-9');
    assert.equal(back?.handOff('x').changed.has(123), true);
    assert.equal(DirtyMap.decode(text.replace('s-9', 's-8'), CHUNK), undefined);
    assert.equal(DirtyMap.decode(text, 2 * CHUNK), undefined);
  });
});

describe('DirtyTable', () => {
  let dir: TempDir;
  before(async () => (dir = await tempDir()));
  after(async () => dir.cleanup());

  it('trusts a map only after a clean close: loading removes the marker', async () => {
    const table = new DirtyTable(dir.path, dir.path, CHUNK);
    (await table.get('v')).handOff('s-1');
    await table.saveAll();
    assert.deepEqual(await readdir(dir.path), ['v.dirty']);
    const reopened = new DirtyTable(dir.path, dir.path, CHUNK);
    assert.equal((await reopened.get('v')).base, 's-1');
    assert.deepEqual(await readdir(dir.path), [], 'the clean marker is gone while the map is in use');
    const crashed = new DirtyTable(dir.path, dir.path, CHUNK); // the previous one never closed
    assert.equal((await crashed.get('v')).base, null);
    await writeFile(table.pathOf('w'), 'garbage');
    assert.equal((await crashed.get('w')).base, null);
  });
});
