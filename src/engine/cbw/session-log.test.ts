import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../chunks/chunk-store.js';
import { tempDir, type TempDir } from '../testing/fixtures.js';
import { decodeRecord, encodeRecord, SessionFileCorrupt, SessionLog, type SessionHeader } from './session-log.js';

const header: SessionHeader = { snapshotId: 's-1', volumeId: 'd-1', sizeBytes: 10 << 20, chunkSize: 1 << 20, createdAt: 1 };

describe('SessionLog', () => {
  let dir: TempDir;
  before(async () => (dir = await tempDir()));
  after(async () => dir.cleanup());

  it('encodes records with a check that catches any change', () => {
    const record = { index: 7, digest: sha256Hex('x'), stored: true };
    const line = encodeRecord(record).trimEnd();
    assert.deepEqual(decodeRecord(line), record);
    assert.deepEqual(decodeRecord(encodeRecord({ index: 0, digest: null, stored: false }).trimEnd()),
      { index: 0, digest: null, stored: false });
    assert.equal(decodeRecord(line.replace(' 7 ', ' 8 ').replace(/^7/, '8')), undefined);
    assert.equal(decodeRecord(line.slice(0, -1)), undefined);
    assert.equal(decodeRecord(''), undefined);
  });

  it('round-trips header and records, with group-committed syncs', async () => {
    const path = join(dir.path, 'a.session');
    const log = await SessionLog.create(path, header, dir.path);
    const records = Array.from({ length: 20 }, (_, i) => ({ index: i, digest: i % 3 ? sha256Hex(`${i}`) : null, stored: i % 2 === 0 }));
    const seqs = await Promise.all(records.map((r) => log.append(r)));
    assert.deepEqual(seqs, records.map((_, i) => i + 1));
    assert.equal(log.isDurable(20), false);
    await Promise.all([log.sync(), log.sync(), log.sync()]);
    assert.equal(log.isDurable(20), true);
    await log.close();
    const loaded = await SessionLog.load(path);
    assert.deepEqual(loaded.header, header);
    assert.deepEqual(loaded.records, records);
    await loaded.log.close();
  });

  it('cuts a torn tail and keeps appending after it', async () => {
    const path = join(dir.path, 'b.session');
    const log = await SessionLog.create(path, header, dir.path);
    await log.append({ index: 1, digest: null, stored: false });
    await log.close();
    await appendFile(path, encodeRecord({ index: 2, digest: null, stored: false }).slice(0, 9));
    const first = await SessionLog.load(path);
    assert.deepEqual(first.records.map((r) => r.index), [1]);
    await first.log.append({ index: 3, digest: null, stored: false });
    await first.log.close();
    const second = await SessionLog.load(path);
    assert.deepEqual(second.records.map((r) => r.index), [1, 3]);
    await second.log.close();
  });

  it('refuses a bad record followed by good ones, and a bad header', async () => {
    const path = join(dir.path, 'c.session');
    const log = await SessionLog.create(path, header, dir.path);
    await log.append({ index: 1, digest: null, stored: false });
    await log.append({ index: 2, digest: null, stored: false });
    await log.close();
    const text = await readFile(path, 'latin1');
    const lines = text.split('\n');
    lines[1] = lines[1]!.replace('1 z', '5 z');
    await writeFile(path, lines.join('\n'), 'latin1');
    await assert.rejects(SessionLog.load(path), SessionFileCorrupt);
    await writeFile(path, '{"format":"something-else"}\n');
    await assert.rejects(SessionLog.load(path), SessionFileCorrupt);
  });
});
