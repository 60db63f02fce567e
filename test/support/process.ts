/** edgesnap as a separate process, started the way a user does (`edgesnap serve …`), and killed the hard way. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TEST_CREDENTIALS } from './server.js';

export interface ServerProcess {
  child: ChildProcess;
  api: string;
  nbdPort: number;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const DEFAULT_ENV = {
  EDGESNAP_ROOT_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  EDGESNAP_ROOT_ACCESS_KEY_SECRET: TEST_CREDENTIALS.accessKeySecret,
};

/**
 * Starts `edgesnap serve` on two free ports. A port found free can be taken by
 * another test process before the server binds it: then it starts again on
 * new ones (a few times), so only that race is retried, never a real failure.
 */
export async function spawnServer(dataDir: string, extraArgs: string[] = [], env: Record<string, string> = DEFAULT_ENV):
  Promise<ServerProcess> {
  let earlier = ''; // what the attempts that lost a port race printed (a first start may have printed a new key)
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnFreePorts(dataDir, extraArgs, env, earlier);
    } catch (err) {
      if (attempt >= 5 || !(err instanceof PortTaken)) throw err;
      earlier = err.output;
    }
  }
}

class PortTaken extends Error {
  constructor(readonly output: string) {
    super(`server lost a port race:\n${output}`);
  }
}

async function spawnOnFreePorts(dataDir: string, extraArgs: string[], env: Record<string, string>, earlier: string):
  Promise<ServerProcess> {
  const apiPort = await freePort();
  const nbdPort = await freePort();
  const child = spawn(process.execPath, [join(process.cwd(), 'dist/src/cli/edgesnap.js'), 'serve', '--data-dir', dataDir,
    '--listen', `127.0.0.1:${apiPort}`, '--nbd-listen', `127.0.0.1:${nbdPort}`, ...extraArgs],
  { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = earlier;
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const check = (): void => {
      const fresh = out.slice(earlier.length);
      if (fresh.includes('NBD exports at') && fresh.includes('root AccessKey')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    exited.then(() => {
      clearTimeout(timer);
      reject(out.slice(earlier.length).includes('EADDRINUSE') ? new PortTaken(out) : new Error(`server exited:\n${out}`));
    });
  });
  return {
    child, api: `127.0.0.1:${apiPort}`, nbdPort, output: () => out,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
