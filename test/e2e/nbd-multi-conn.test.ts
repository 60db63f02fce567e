/**
 * NBD_FLAG_CAN_MULTI_CONN is only honest if a FLUSH on one connection makes
 * writes acknowledged on another durable. edgesnap hands every connection to
 * a disk the one shared Volume, and FLUSH is fdatasync on its file. This test
 * proves it at the system-call level: the server runs in a child process under
 * strace; connection A writes (no FUA), connection B flushes, and the trace
 * must show B's flush as an fdatasync of the very file descriptor A's pwrite
 * went through, after that pwrite (and none before B asked). A FUA write is
 * fdatasync'ed before its reply.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { NBD_CMD_FLAG_FUA, NBD_CMD_FLUSH, NBD_CMD_WRITE } from '../../src/engine/nbd/protocol.js';
import { RawClient } from '../../src/engine/nbd/testing/raw-client.js';
import { missingTool } from '../../src/engine/nbd/testing/tools.js';
import { tempDir } from '../support/server.js';

const MiB = 1024 * 1024;
const BLOCK = 64 * 1024;

/** The child: an engine and an NBD server on `dataDir`; prints the port, stops when stdin ends. */
function childScript(dataDir: string): string {
  const mod = (path: string): string => JSON.stringify(new URL(path, import.meta.url).href);
  return `
    const { LocalBlockEngine } = await import(${mod('../../src/engine/local-engine.js')});
    const { NbdServer } = await import(${mod('../../src/engine/nbd/server.js')});
    const { ManualClock } = await import(${mod('../../src/kernel/clock.js')});
    const engine = await LocalBlockEngine.open({ dataDir: ${JSON.stringify(dataDir)}, clock: new ManualClock('2026-01-01T00:00:00Z') });
    await engine.createVolume('vol-mc', 8 * 1024 * 1024);
    const server = new NbdServer(engine.exports());
    const { port } = await server.listen('127.0.0.1', 0);
    console.log(JSON.stringify({ port }));
    process.stdin.resume();
    process.stdin.on('end', async () => { await server.close(); await engine.close(); process.exit(0); });
  `;
}

const skip = missingTool('strace');

describe('CAN_MULTI_CONN: a FLUSH on one connection covers writes made on another', { skip, timeout: 120_000 }, () => {
  let dir: { path: string; remove: () => Promise<void> };
  let child: ChildProcess;
  let port: number;
  let traceFile: string;
  const clients: RawClient[] = [];

  before(async () => {
    dir = await tempDir('edgesnap-nbd-mc-');
    traceFile = join(dir.path, 'trace.log');
    child = spawn('strace', ['-f', '-qq', '-e', 'trace=openat,pwrite64,pwritev,fdatasync,fsync', '-o', traceFile,
      process.execPath, '--input-type=module', '-e', childScript(join(dir.path, 'data'))],
    { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    port = await new Promise<number>((resolve, reject) => {
      lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    });
  });
  after(async () => {
    clients.forEach((c) => c.destroy());
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin?.end();
    await exited;
    await dir.remove();
  });

  const connect = async (): Promise<RawClient> => {
    const c = await RawClient.connect(port);
    clients.push(c);
    await c.handshake();
    const { flags } = await c.go('vol-mc');
    assert.ok(flags & 0x100, 'NBD_FLAG_CAN_MULTI_CONN advertised');
    return c;
  };

  const readTrace = async (): Promise<string[]> => (await readFile(traceFile, 'utf8')).split('\n');
  const indexOf = (lines: string[], re: RegExp, from = 0): number => lines.findIndex((l, i) => i >= from && re.test(l));

  /** The trace line of the pwrite of `length` bytes at `offset`, and its fd, which must be the volume file's. */
  const findWrite = (lines: string[], length: number, offset: number): { at: number; fd: number } => {
    const at = indexOf(lines, new RegExp(`pwrite(64|v)\\(\\d+, .*, ${length}, ${offset}`));
    assert.ok(at >= 0, `a pwrite of ${length} bytes at ${offset}`);
    const fd = Number(/pwrite(?:64|v)\((\d+),/.exec(lines[at]!)![1]);
    assert.match(openedAs(lines.slice(0, at), fd), /vol-mc\.raw"/, `fd ${fd} is the volume file`);
    return { at, fd };
  };
  /** The openat that last returned `fd` (strace -f may split it into "<unfinished ...>" and "resumed" lines). */
  const openedAs = (lines: string[], fd: number): string => {
    const at = lines.findLastIndex((l) => /openat/.test(l) && new RegExp(`\\) = ${fd}$`).test(l));
    const line = lines[at] ?? '';
    if (!line.includes('resumed>')) return line;
    const pid = line.split(' ')[0];
    return lines.slice(0, at).findLast((l) => l.startsWith(`${pid} openat(`)) ?? '';
  };
  const datasync = (fd: number): RegExp => new RegExp(`fdatasync\\(${fd}[ )<]`);

  it('B\'s FLUSH is an fdatasync of the descriptor A wrote through, after A\'s write', async () => {
    const a = await connect();
    const b = await connect();
    a.request({ type: NBD_CMD_WRITE, cookie: 1n, offset: BigInt(MiB) }, Buffer.alloc(BLOCK, 0x5a));
    assert.equal((await a.reply()).error, 0);
    const before = await readTrace();
    const { at, fd } = findWrite(before, BLOCK, MiB);
    assert.equal(indexOf(before, datasync(fd), at), -1, 'nothing made it durable yet');

    b.request({ type: NBD_CMD_FLUSH, cookie: 2n });
    assert.equal((await b.reply()).error, 0);
    assert.ok(indexOf(await readTrace(), datasync(fd), at) > at, 'B\'s flush fdatasync\'ed the file A wrote');
  });

  it('a FUA write is fdatasync\'ed before its reply', async () => {
    const a = await connect();
    a.request({ type: NBD_CMD_WRITE, cookie: 3n, offset: BigInt(3 * MiB), flags: NBD_CMD_FLAG_FUA }, Buffer.alloc(BLOCK, 1));
    assert.equal((await a.reply()).error, 0);
    const lines = await readTrace();
    const { at, fd } = findWrite(lines, BLOCK, 3 * MiB);
    assert.ok(indexOf(lines, datasync(fd), at) > at);
  });
});
