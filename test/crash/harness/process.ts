/**
 * The `edgesnap serve` command of the build this file was compiled into (dist/ or any other out dir), started as
 * a user starts it and killed with SIGKILL: ports are chosen by the process (`--listen 127.0.0.1:0`) and read
 * from its start-up lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_CREDENTIALS } from '../../support/server.js';

export const ADMIN_TOKEN = 'crash-suite-admin-token-0123456789';
const CLI = fileURLToPath(new URL('../../../src/cli/edgesnap.js', import.meta.url));

export interface Edgesnap {
  readonly child: ChildProcess;
  readonly api: string;
  readonly nbdPort: number;
  output(): string;
  /** SIGKILL (default) or another signal; resolves when the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startEdgesnap(dataDir: string, extraArgs: readonly string[] = []): Promise<Edgesnap> {
  const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0',
    '--nbd-listen', '127.0.0.1:0', ...extraArgs], {
    env: {
      PATH: process.env.PATH ?? '',
      EDGESNAP_ROOT_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      EDGESNAP_ROOT_ACCESS_KEY_SECRET: TEST_CREDENTIALS.accessKeySecret,
      EDGESNAP_ADMIN_TOKEN: ADMIN_TOKEN,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = await new Promise<{ api: string; nbd: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edgesnap did not start:\n${out}`)), 60_000);
    const check = (): void => {
      const api = /serving the ENS API \(2017-11-10\) at http:\/\/([\d.]+:\d+)\//.exec(out);
      const nbd = /NBD exports at nbd:\/\/[\d.]+:(\d+)\//.exec(out);
      if (api && nbd && out.includes('admin API at')) {
        clearTimeout(timer);
        resolve({ api: api[1]!, nbd: Number(nbd[1]) });
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`edgesnap exited during start-up:\n${out}`));
    });
  });
  return {
    child, api: ports.api, nbdPort: ports.nbd, output: () => out,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
