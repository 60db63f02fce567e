/**
 * Hostile NBD on raw sockets against the real listener: bad magic, unknown client flags, options and commands,
 * out-of-range offsets, lengths past the limits, truncated requests, abrupt disconnects and garbage after the
 * handshake. The server answers what the NBD protocol requires (option errors, errno replies with the
 * request's cookie, dropped connections where the stream cannot be trusted), survives, and qemu-io still
 * reads and writes the disk afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { RunningEdgesnap } from '../../src/main.js';
import { coreClient, type Call } from '../support/clients.js';
import { nbdUri, qemuIo } from '../support/nbd-tools.js';
import { eventually, startTestServer, tempDir, TEST_CREDENTIALS } from '../support/server.js';
import { CMD, ERRNO, goData, NbdWire, OPT, REP, REQUEST_MAGIC, u32 } from './nbd-wire.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x6bd);
const REGION = 'cn-hangzhou-telecom';
const GiB = 1024n ** 3n;
let dir: { path: string; remove: () => Promise<void> };
let server: RunningEdgesnap;
let ens: Call;
let disk: string;

before(async () => {
  dir = await tempDir('edgesnap-nbdfuzz-');
  server = await startTestServer(dir.path);
  ens = coreClient(`${server.api.host}:${server.api.port}`, TEST_CREDENTIALS);
  const created = await ens('CreateDisk', { EnsRegionId: REGION, Category: 'cloud_ssd', Size: '1', InstanceChargeType: 'PostPaid' });
  disk = (created.InstanceIds as string[])[0]!;
  await eventually(async () => {
    const d = await ens('DescribeDisks', { DiskId: disk });
    const status = (d.Disks as { Disks: { Status: string }[] }).Disks[0]?.Status;
    return status === 'Available' ? true : undefined;
  }, 'the disk to be Available');
});
after(async () => {
  await server?.close();
  await dir?.remove();
});

const open = () => NbdWire.open(server.nbd.port);
/** Resolves true when the server closes the connection within `ms` (generous: a hang is what it catches). */
const closesWithin = async (w: NbdWire, ms = 10_000): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<false>((r) => { timer = setTimeout(() => r(false), ms); });
  const closed = await Promise.race([w.closed.then(() => true as const), t]);
  clearTimeout(timer);
  w.destroy();
  return closed;
};
/** A connection in transmission on the disk (no structured replies: every reply is simple). */
async function transmitting(): Promise<{ w: NbdWire; size: bigint }> {
  const w = await open();
  await w.greet();
  const r = await w.go(disk);
  assert.equal(r.error, undefined, `GO ${disk}: ${r.error?.toString(16)}`);
  return { w, size: r.size! };
}

describe('fuzz: NBD handshake', { timeout: 60_000 }, () => {
  it('unknown client flags: the connection is dropped', async () => {
    const w = await open();
    await w.greet(0xffffffff);
    assert.ok(await closesWithin(w));
  });

  it('a bad option magic: dropped', async () => {
    const w = await open();
    await w.greet();
    w.option(OPT.GO, goData(disk), 0x0123456789abcdefn);
    assert.ok(await closesWithin(w));
  });

  it('unknown options answer ERR_UNSUP and haggling goes on; ABORT is acknowledged', async () => {
    const w = await open();
    await w.greet();
    for (const option of [0, 100, 0xdead, 0x7fffffff, 0xffffffff]) {
      w.option(option, Buffer.from('junk'));
      const r = await w.optionReply();
      assert.deepEqual([r.option, r.type], [option, REP.ERR_UNSUP], `option ${option}`);
    }
    w.option(OPT.ABORT);
    assert.equal((await w.optionReply()).type, REP.ACK);
    assert.ok(await closesWithin(w));
  });

  it('exports are never listed: LIST answers ERR_POLICY', async () => {
    const w = await open();
    await w.greet();
    w.option(OPT.LIST);
    assert.equal((await w.optionReply()).type, REP.ERR_POLICY);
    w.destroy();
  });

  it('GO on an unknown export: ERR_UNKNOWN; with a name length past its data: ERR_INVALID', async () => {
    const w = await open();
    await w.greet();
    assert.deepEqual(await w.go('d-doesnotexist000000'), { error: REP.ERR_UNKNOWN });
    w.option(OPT.GO, Buffer.concat([u32(1000), Buffer.from('d-x'), Buffer.alloc(2)]));
    assert.equal((await w.optionReply()).type, REP.ERR_INVALID);
    w.option(OPT.INFO, Buffer.from([0, 0]));
    assert.equal((await w.optionReply()).type, REP.ERR_INVALID);
    w.destroy();
  });

  it('EXPORT_NAME of an unknown export: the connection is closed (the option has no error reply)', async () => {
    const w = await open();
    await w.greet();
    w.option(OPT.EXPORT_NAME, Buffer.from('d-doesnotexist000000'));
    assert.ok(await closesWithin(w));
  });

  it('an option announcing 4 GiB of data is not waited for: dropped or refused', async () => {
    const w = await open();
    await w.greet();
    w.option(OPT.GO, Buffer.alloc(0), undefined, 0xffffffff);
    const reply = await w.optionReply().catch(() => undefined);
    assert.ok(reply === undefined || reply.type >= 0x80000000, `answered ${reply?.type}`);
    assert.ok(reply !== undefined || await closesWithin(w));
    w.destroy();
  });

  it('truncated greetings and options, then disconnects, leave the server serving', async () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from([0, 0]), Buffer.concat([u32(3), Buffer.from('IHAVE')])]) {
      const w = await open();
      await w.read(18);
      w.write(bytes);
      w.destroy();
    }
    const w = await open();
    await w.greet();
    assert.equal((await w.go(disk)).error, undefined);
    w.destroy();
  });
});

const VALID_ERRNOS = new Set(Object.values(ERRNO));

describe('fuzz: NBD transmission', { timeout: 90_000 }, () => {
  it('refuses bad requests with the errno the protocol requires, and stays usable', async () => {
    const { w, size } = await transmitting();
    assert.equal(size, GiB);
    let cookie = 1n;
    const expect = async (what: string, errno: number, send: (c: bigint) => void): Promise<void> => {
      const c = cookie++;
      send(c);
      assert.deepEqual(await w.simpleReply(), { error: errno, cookie: c }, what);
    };
    await expect('unknown command 99', ERRNO.EINVAL, (c) => w.request(99, c, 0n, 512));
    await expect('READ with unknown flags', ERRNO.EINVAL, (c) => w.request(CMD.READ, c, 0n, 512, 0x8000));
    await expect('READ of length 0', ERRNO.EINVAL, (c) => w.request(CMD.READ, c, 0n, 0));
    await expect('READ at the end', ERRNO.EINVAL, (c) => w.request(CMD.READ, c, size, 1));
    await expect('READ straddling the end', ERRNO.EINVAL, (c) => w.request(CMD.READ, c, size - 512n, 1024));
    await expect('READ at offset 2^64-1', ERRNO.EINVAL, (c) => w.request(CMD.READ, c, 2n ** 64n - 1n, 1));
    await expect('READ at offset 2^53+1', ERRNO.EINVAL, (c) => w.request(CMD.READ, c, 2n ** 53n + 1n, 1));
    await expect('READ of 4 GiB - 1', ERRNO.EINVAL, (c) => w.request(CMD.READ, c, 0n, 0xffffffff));
    await expect('TRIM past the end', ERRNO.EINVAL, (c) => w.request(CMD.TRIM, c, size, 4096));
    await expect('WRITE_ZEROES past the end', ERRNO.ENOSPC, (c) => w.request(CMD.WRITE_ZEROES, c, size - 1n, 4096));
    await expect('FLUSH with an offset', ERRNO.EINVAL, (c) => w.request(CMD.FLUSH, c, 4096n, 0));
    await expect('WRITE past the end (payload sent and skipped)', ERRNO.ENOSPC, (c) => {
      w.request(CMD.WRITE, c, size, 4096);
      w.write(Buffer.alloc(4096, 0xee));
    });
    await expect('a good READ still works', 0, (c) => w.request(CMD.READ, c, 0n, 512));
    assert.equal((await w.read(512)).length, 512);
    w.destroy();
  });

  it('random requests: each answered with its cookie and a protocol errno, data only on a good READ', async () => {
    const { w, size } = await transmitting();
    const offset = fc.oneof(fc.constantFrom(0n, 1n, 511n, size - 1n, size, size + 1n, 2n ** 63n, 2n ** 64n - 1n),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
    const length = fc.oneof(fc.constantFrom(0, 1, 512, 4096, 65536, 0x7fffffff, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
    // Every command but WRITE (its payload is covered above) and DISC (ends the connection).
    const type = fc.oneof(fc.constantFrom(CMD.READ, CMD.FLUSH, CMD.TRIM, CMD.CACHE, CMD.WRITE_ZEROES, CMD.BLOCK_STATUS),
      fc.integer({ min: 8, max: 0xffff }));
    const flags = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    let cookie = 1000n;
    const result = await fc.check(fc.asyncProperty(type, flags, offset, length, async (t, f, o, l) => {
      const c = cookie++;
      w.request(t, c, o, l, f);
      const r = await w.simpleReply();
      assert.equal(r.cookie, c);
      assert.ok(r.error === 0 || VALID_ERRNOS.has(r.error), `errno ${r.error}`);
      if (r.error === 0) {
        assert.ok(o + BigInt(l) <= size, `accepted ${t} at ${o}+${l}`);
        if (t === CMD.READ) await w.read(l);
      }
    }), { seed: SEED, numRuns: 300, endOnFailure: true });
    w.destroy();
    if (result.failed) assert.fail(`NBD fuzz failed — FUZZ_SEED=${SEED}: ${JSON.stringify(result.counterexample, (_k, v: unknown) =>
      typeof v === 'bigint' ? String(v) : v)} ${String(result.errorInstance)}`);
  });

  it('a bad request magic, garbage after the handshake: the connection is dropped', async () => {
    const a = await transmitting();
    a.w.request(CMD.READ, 1n, 0n, 512, 0, 0xdeadbeef);
    assert.ok(await closesWithin(a.w));
    const b = await transmitting();
    b.w.write(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff)));
    assert.ok(await closesWithin(b.w));
  });

  it('a WRITE announcing more than the server takes: refused or dropped, never buffered', async () => {
    const { w } = await transmitting();
    w.request(CMD.WRITE, 9n, 0n, 0xffffffff);
    w.write(Buffer.alloc(64 * 1024));
    const reply = await w.simpleReply().catch(() => undefined);
    assert.ok(reply === undefined ? await closesWithin(w) : reply.error === ERRNO.EINVAL || reply.error === ERRNO.EOVERFLOW,
      `reply ${JSON.stringify(reply, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)}`);
    w.destroy();
  });

  it('disconnects mid-request and mid-payload, many at once', async () => {
    await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const { w } = await transmitting();
      if (i % 3 === 0) w.write(Buffer.concat([u32(REQUEST_MAGIC), Buffer.alloc(6)])); // a truncated header
      else w.request(CMD.WRITE, BigInt(i), BigInt(i) * 65536n, 65536);
      if (i % 3 === 1) w.write(Buffer.alloc(1000, i)); // part of the payload
      w.destroy();
    }));
  });

  it('afterwards qemu-io writes and reads the disk, and the API answers', async () => {
    const uri = nbdUri(server.nbd.host, server.nbd.port, disk);
    const out = await qemuIo(uri, 'write -P 0x5a 1M 64k', 'read -P 0x5a 1M 64k', 'read -P 0 0 64k');
    assert.doesNotMatch(out, /fail|error/i, out);
    assert.match(out, /read 65536\/65536 bytes at offset 1048576/);
    const d = await ens('DescribeDisks', { DiskId: disk });
    assert.equal((d.Disks as { Disks: { Status: string }[] }).Disks[0]?.Status, 'Available');
  });
});
