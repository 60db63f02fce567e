// What the figures were measured on: CPU, cores, memory, disk, Node.
import os from 'node:os';
import { execFileSync } from 'node:child_process';

function tryRun(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function disk(dir) {
  const line = tryRun('df', ['-hT', dir]).split('\n')[1] ?? '';
  const [source, fstype, size, , avail] = line.split(/\s+/);
  const base = (source ?? '').replace(/^\/dev\//, '').replace(/\d+$/, '');
  const rotational = tryRun('cat', [`/sys/block/${base}/queue/rotational`]);
  const kind = rotational === '0' ? 'kernel: non-rotational' : rotational === '1' ? 'kernel: rotational' : 'type unknown';
  return `${source} ${fstype}, ${size} (${avail} free), ${kind}`;
}

/** Lines describing this machine, printed above the table. */
export function machineLines(workDir) {
  const cpus = os.cpus();
  const mem = (os.totalmem() / 2 ** 30).toFixed(1);
  const tools = ['restic version', 'qemu-nbd --version', 'fio --version']
    .map((c) => tryRun(c.split(' ')[0], c.split(' ').slice(1)).split('\n')[0]).filter(Boolean);
  return [
    `CPU:    ${cpus[0]?.model ?? 'unknown'} (${cpus.length} cores)`,
    `Memory: ${mem} GiB`,
    `Disk:   ${disk(workDir)} — work dir ${workDir}`,
    `Node:   ${process.version} (${os.platform()} ${os.release()})`,
    `Tools:  ${tools.join('; ')}`,
  ];
}
