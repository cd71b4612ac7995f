import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NodeProcessRunner, type ProcessRunner } from '../../src/executor/process/process-runner.js';

/**
 * A private buildah storage for a test (so it never touches the host's images or another suite's), and a way
 * to make a tiny image in it without network or a container runtime:
 *   buildah GLOBAL from scratch → buildah GLOBAL copy CTR FILE /hello → buildah GLOBAL commit --rm CTR TAG
 * where GLOBAL = `--root TMP/root --runroot TMP/run --storage-driver vfs`. `cleanup()` removes TMP.
 */
export interface BuildahScratch {
  readonly globalArgs: readonly string[];
  readonly runner: ProcessRunner;
  /** Commits an image holding `/hello` with `content`; returns its id. */
  makeTinyImage(tag: string, content: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function createBuildahScratch(
  runner: ProcessRunner = new NodeProcessRunner(),
): Promise<BuildahScratch> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbe-buildah-'));
  const globalArgs = [
    '--root',
    path.join(dir, 'root'),
    '--runroot',
    path.join(dir, 'run'),
    '--storage-driver',
    'vfs',
  ];
  const buildah = async (...args: string[]): Promise<string> =>
    (await runner.run('buildah', [...globalArgs, ...args], { timeoutMs: 60_000 })).stdout.trim();
  return {
    globalArgs,
    runner,
    async makeTinyImage(tag, content) {
      const file = path.join(dir, `hello-${Date.now()}`);
      await writeFile(file, content);
      const ctr = await buildah('from', 'scratch');
      await buildah('copy', ctr, file, '/hello');
      await buildah('commit', '--rm', '--quiet', ctr, tag);
      return buildah('images', '--no-trunc', '--format', '{{.ID}}', tag);
    },
    async cleanup() {
      await runner
        .run('buildah', [...globalArgs, 'rmi', '--all', '--force'], { timeoutMs: 60_000 })
        .catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
