/** The real NBD clients (qemu-img, qemu-io, nbdcopy, nbdinfo), run as child processes without blocking the server. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function tool(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await run(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  return stdout;
}

export function nbdUri(host: string, port: number, exportName: string): string {
  return `nbd://${host}:${port}/${exportName}`;
}

/** qemu-io commands against an NBD export, e.g. `write -P 0x11 0 1M`. */
export async function qemuIo(uri: string, ...commands: string[]): Promise<string> {
  return tool('qemu-io', ['-f', 'raw', uri, ...commands.flatMap((c) => ['-c', c])]);
}

/** Copies the whole export into a local raw file. */
export async function exportToFile(uri: string, file: string): Promise<void> {
  await tool('qemu-img', ['convert', '-f', 'raw', '-O', 'raw', uri, file]);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
