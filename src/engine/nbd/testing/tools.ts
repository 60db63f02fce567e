/**
 * Running the real NBD clients (qemu-img, qemu-io, nbdinfo, nbdcopy) from tests.
 */
import { execFile, spawnSync } from 'node:child_process';

/** Undefined when `tool` can be run, else the reason to skip a test. */
export function missingTool(...tools: string[]): string | undefined {
  for (const tool of tools) {
    const probe = spawnSync(tool, ['--version'], { stdio: 'ignore' });
    if (probe.error) return `${tool} is not installed (${probe.error.message})`;
  }
  return undefined;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without a shell; never throws for a non-zero exit. */
export function run(command: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

/** Runs a command and throws with its output if it exits non-zero. */
export async function runOk(command: string, args: string[]): Promise<RunResult> {
  const result = await run(command, args);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}
