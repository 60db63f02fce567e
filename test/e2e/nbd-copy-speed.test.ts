/**
 * Copy-out speed through the real clients, printed (never asserted): a sparse
 * 20 GiB disk with a little data, and a fully written disk, each copied to a
 * local file with `qemu-img convert` and with `nbdcopy`. Checks only that the
 * copies are right. The full disk is 128 MiB by default; set
 * EDGESNAP_NBD_BENCH=1 for the 1 GiB of the figures.
 */
import assert from 'node:assert/strict';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/kernel/clock.js';
import { LocalBlockEngine } from '../../src/engine/local-engine.js';
import { NbdServer } from '../../src/engine/nbd/server.js';
import { nbdUri, qemuIo, sha256File, tool } from '../support/nbd-tools.js';
import { tempDir } from '../support/server.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const FULL = process.env['EDGESNAP_NBD_BENCH'] === '1' ? GiB : 128 * MiB;

describe('copy-out speed over NBD (printed)', { timeout: 600_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let engine: LocalBlockEngine;
  let server: NbdServer;
  let uri: (name: string) => string;
  const rows: string[] = [];

  before(async () => {
    dir = await tempDir('edgesnap-nbd-speed-');
    engine = await LocalBlockEngine.open({ dataDir: join(dir.path, 'data'), clock: new ManualClock('2026-01-01T00:00:00Z') });
    server = new NbdServer(engine.exports());
    const { port } = await server.listen('127.0.0.1', 0);
    uri = (name) => nbdUri('127.0.0.1', port, name);
  });
  after(async () => {
    console.log(['copy-out over NBD (seconds)', ...rows].join('\n'));
    await server.close();
    await engine.close();
    await dir.remove();
  });

  /**
   * Copies `name` out with both clients and records the times. `check` judges
   * each copy (hashing 20 GiB of holes would take minutes: sparse copies are
   * checked by their allocated size and the written ranges).
   */
  const copyOut = async (label: string, name: string, check: (file: string) => Promise<void>): Promise<void> => {
    const clients: [string, (out: string) => [string, string[]]][] = [
      ['qemu-img convert', (out) => ['qemu-img', ['convert', '-f', 'raw', '-O', 'raw', uri(name), out]]],
      ['nbdcopy', (out) => ['nbdcopy', [uri(name), out]]],
    ];
    const times: string[] = [];
    for (const [client, command] of clients) {
      const out = join(dir.path, `${name}.copy.raw`);
      const [cmd, argv] = command(out);
      const start = performance.now();
      await tool(cmd, argv);
      times.push(`${client} ${((performance.now() - start) / 1000).toFixed(2)}`);
      await check(out);
      await rm(out);
    }
    rows.push(`${label}: ${times.join(', ')}`);
  };

  it('sparse 20 GiB disk, 3 MiB written', async () => {
    await engine.createVolume('vol-sparse20', 20 * GiB);
    const writes = [[0, 0x61], [7 * GiB, 0x62], [19 * GiB + 5 * MiB, 0x63]] as const;
    await qemuIo(uri('vol-sparse20'), ...writes.map(([at, p]) => `write -P ${p} ${at} 1M`));
    await copyOut('sparse 20 GiB (3 MiB data)', 'vol-sparse20', async (file) => {
      const { size, blocks } = await stat(file);
      assert.equal(size, 20 * GiB);
      assert.ok(blocks * 512 <= 64 * MiB, `${file}: ${blocks * 512} bytes allocated`);
      const fh = await open(file, 'r');
      try {
        for (const [at, pattern] of writes) {
          const { buffer } = await fh.read(Buffer.alloc(MiB + 2), 0, MiB + 2, at - (at > 0 ? 1 : 0));
          const body = at > 0 ? buffer.subarray(1, MiB + 1) : buffer.subarray(0, MiB);
          assert.ok(body.equals(Buffer.alloc(MiB, pattern)), `the MiB at ${at}`);
          if (at > 0) assert.deepEqual([buffer[0], buffer[MiB + 1]], [0, 0], `zeroes around ${at}`);
        }
      } finally {
        await fh.close();
      }
    });
  });

  it(`fully written ${FULL / MiB} MiB disk`, async () => {
    await engine.createVolume('vol-full', FULL);
    const source = join(dir.path, 'full-source.raw');
    await tool('qemu-img', ['create', '-f', 'raw', source, String(FULL)]);
    await tool('qemu-io', ['-f', 'raw', source, '-c', `write -P 0x5c 0 ${FULL}`]);
    await tool('nbdcopy', [source, uri('vol-full')]);
    const sha = await sha256File(source);
    await rm(source);
    await copyOut(`fully written ${FULL / MiB} MiB`, 'vol-full', async (file) => assert.equal(await sha256File(file), sha));
  });
});
