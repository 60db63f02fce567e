// The processes of a load run: edgesnap (`edgesnap serve`, as a user starts it) and the reference — a bare fastify
// route in its own process — each on a loopback port it chooses and prints.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CREDENTIALS } from './signer.mjs';

export const ADMIN_TOKEN = 'load-run-admin-token-0123456789abcdef';

/** Spawns `node args…` and resolves once `pattern` matches its output, with the match. */
function spawnUntil(args, env, pattern, what) {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${out}`)), 60_000);
    const onData = (d) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}):\n${out}`));
    });
  });
}

export async function startEdgesnap(buildDir, dataDir) {
  const cli = join(buildDir, 'src/cli/edgesnap.js');
  const { child, match } = await spawnUntil(
    [cli, 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--nbd-listen', '127.0.0.1:0'],
    { EDGESNAP_ROOT_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, EDGESNAP_ROOT_ACCESS_KEY_SECRET: CREDENTIALS.accessKeySecret,
      EDGESNAP_ADMIN_TOKEN: ADMIN_TOKEN },
    /serving the ENS API \(2017-11-10\) at http:\/\/([\d.]+:\d+)\/[\s\S]*admin API at/, 'edgesnap');
  child.removeAllListeners('exit');
  return { child, endpoint: match[1] };
}

export async function startReference() {
  const script = join(import.meta.dirname, 'reference-server.mjs');
  const { child, match } = await spawnUntil([script], {}, /listening on ([\d.]+:\d+)/, 'reference server');
  child.removeAllListeners('exit');
  return { child, endpoint: match[1] };
}

export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await gone;
}
