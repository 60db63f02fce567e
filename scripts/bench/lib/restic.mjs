// restic as the reference for backup / incremental / restore.
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { run } from './proc.mjs';
import { walk } from './engine.mjs';

export class Restic {
  /** A repository under `dir` (cache inside it too, so nothing leaks out of the temp dir). */
  constructor(dir) {
    this.repo = join(dir, 'restic-repo');
    this.env = {
      ...process.env, RESTIC_PASSWORD: 'edgesnap-bench', RESTIC_REPOSITORY: this.repo,
      RESTIC_CACHE_DIR: join(dir, 'restic-cache'), RESTIC_PROGRESS_FPS: '0.1',
    };
  }

  run(args, cwd) {
    return run('restic', ['--quiet', ...args], { env: this.env, ...(cwd ? { cwd } : {}) });
  }

  async init() {
    await this.run(['init']);
  }

  /** `restic backup` of one file (by its name, from its folder); resolves the seconds it took. */
  async backup(imagePath) {
    const { seconds } = await this.run(['backup', basename(imagePath)], join(imagePath, '..'));
    return seconds;
  }

  /** `restic restore latest` into `target`; resolves { seconds, path } of the restored file named like `imageName`. */
  async restoreLatest(target, imageName) {
    mkdirSync(target, { recursive: true });
    const { seconds } = await this.run(['restore', 'latest', '--target', target]);
    const found = (await walk(target)).find((f) => f.name === imageName);
    if (!found) throw new Error(`restic restore did not produce ${imageName} under ${target}`);
    return { seconds, path: found.path };
  }

  /** Bytes of the repository on disk. */
  async repoBytes() {
    return (await walk(this.repo)).reduce((n, f) => n + f.size, 0);
  }
}
