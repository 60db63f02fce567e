// NBD servers (edgesnap's, qemu-nbd) and fio's nbd engine against them.
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, run, startProcess, stopProcess } from './proc.mjs';

/** edgesnap's NbdServer over `engine.exports()` on an ephemeral loopback port. */
export async function startEdgesnapNbd(mods, engine) {
  const server = new mods.NbdServer(engine.exports(), { log: (m) => process.env.BENCH_DEBUG && console.error(m) });
  const { port } = await server.listen('127.0.0.1', 0);
  return { uri: (name) => `nbd://127.0.0.1:${port}/${name}`, stop: () => server.close() };
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `qemu-nbd -f raw` serving `file` as export `name` on a free loopback port until stopped. */
export async function startQemuNbd(file, name) {
  const port = await freePort();
  const child = startProcess('qemu-nbd', ['-f', 'raw', '-b', '127.0.0.1', '-p', String(port), '-x', name, '-t', '-e', '8', file]);
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`qemu-nbd exited: ${child.stderrTail()}`);
    if (await canConnect(port)) return { uri: (n) => `nbd://127.0.0.1:${port}/${n}`, stop: () => stopProcess(child) };
    await sleep(50);
  }
  await stopProcess(child);
  throw new Error('qemu-nbd did not start listening');
}

/**
 * One fio job with the nbd engine: `rw` (randread, randwrite, read, write), block size, queue depth,
 * time-based for `seconds` or until `stop` fires. Resolves { iops, bytesPerSec, seconds } of the
 * job's direction (seconds: fio's own runtime).
 */
export async function fio(workDir, uri, { rw, bs, iodepth, seconds, stop, extra = [] }) {
  const out = join(workDir, `fio-${rw}-${bs}.json`);
  const { stopped } = await run('fio', [
    '--name=bench', '--ioengine=nbd', `--uri=${uri}`, `--rw=${rw}`, `--bs=${bs}`, `--iodepth=${iodepth}`,
    `--runtime=${seconds}`, '--time_based', '--norandommap', '--randrepeat=0', '--group_reporting',
    '--output-format=json', `--output=${out}`, ...extra,
  ], stop ? { stop } : {});
  const text = existsSync(out) ? readFileSync(out, 'utf8') : ''; // a stopped fio writes a line before the JSON
  if (stopped && !text.includes('{')) return { iops: 0, bytesPerSec: 0, seconds: 0 }; // stopped before it began
  const job = JSON.parse(text.slice(text.indexOf('{'))).jobs[0];
  if (job.error) throw new Error(`fio ${rw} failed with error ${job.error}`);
  const side = rw.includes('write') ? job.write : job.read;
  return { iops: side.iops, bytesPerSec: side.bw_bytes, seconds: side.runtime / 1000 };
}
