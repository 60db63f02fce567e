// Child processes (tracked, killed on exit), the temp work dir and its cleanup.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children = new Set();
const cleanups = [];

/** Registers `fn` to run (once, last registered first) when the benchmark ends, however it ends. */
export function onCleanup(fn) {
  cleanups.push(fn);
}

let cleaning;
export async function cleanup() {
  cleaning ??= (async () => {
    for (const child of children) killChild(child);
    while (cleanups.length > 0) {
      try {
        await cleanups.pop()();
      } catch (err) {
        console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return cleaning;
}

function killChild(child) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.delete(child);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.once('exit', () => {
  for (const child of children) killChild(child);
});

/** A fresh temp dir (removed at cleanup unless `keep`). */
export function makeWorkDir(root, keep) {
  const dir = mkdtempSync(join(root ?? tmpdir(), 'edgesnap-bench-'));
  onCleanup(() => (keep ? console.error(`kept ${dir}`) : rmSync(dir, { recursive: true, force: true })));
  return dir;
}

/** Starts a tracked long-running process; returns the ChildProcess. */
export function startProcess(cmd, args, options = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  child.on('exit', () => children.delete(child));
  child.stderrTail = () => stderr;
  return child;
}

/** Stops a process started by startProcess and waits for it. */
export function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Runs a command to completion (tracked); resolves { stdout, seconds, stopped }, rejects on a
 * non-zero exit. When `stop` (an AbortSignal) fires, the command gets SIGTERM and its exit
 * status is not checked (fio, for one, then reports what it did so far).
 */
export function run(cmd, args, { stop, ...options } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    children.add(child);
    let stopped = false;
    const onStop = () => {
      stopped = true;
      child.kill('SIGTERM');
    };
    if (stop?.aborted) onStop();
    else stop?.addEventListener('abort', onStop, { once: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      stop?.removeEventListener('abort', onStop);
      const seconds = (performance.now() - started) / 1000;
      if (code === 0 || stopped) resolve({ stdout, seconds, stopped });
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Seconds taken by `fn` (and its result). */
/**
 * Flushes every dirty page to disk (sync(1)) before a measured step, so that neither side pays for the
 * write-back of what the step before it wrote (both sides call it before each of their steps).
 */
export function settle() {
  execFileSync('sync');
}

export async function timed(fn) {
  const started = performance.now();
  const result = await fn();
  return { seconds: (performance.now() - started) / 1000, result };
}

/** Runs a script's `main`: prints a failure's stack and sets the exit code, and always cleans up (temp dir, children). */
export async function runScript(main) {
  try {
    await main();
  } catch (err) {
    console.error(err instanceof Error ? err.stack : err);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}
