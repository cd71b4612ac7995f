import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildahBuilder, buildahStorageFor } from '../../src/executor/buildah/buildah.builder.js';
import { NodeProcessRunner } from '../../src/executor/process/process-runner.js';
import type { RunBuildOptions } from '../../src/executor/build.pipeline.js';
import { defaultCacheDir } from '../../src/config/index.js';

/**
 * Shared set-up of the real-build suites: one cache dir per machine (`LBE_TEST_CACHE_DIR`, default the
 * engine's own default `$XDG_CACHE_HOME/lbe` or `~/.cache/lbe`) so the Debian base bootstrapped by the first
 * run — of a test, `lbe build` or the benchmark — is reused by every later one, and a fresh temp dir per suite
 * for outputs and the builder's temp files.
 */
export const TEST_CACHE_DIR = process.env.LBE_TEST_CACHE_DIR ?? defaultCacheDir(process.env);

export interface Harness {
  readonly dir: string;
  readonly tmp: string;
  readonly runner: NodeProcessRunner;
  readonly builder: BuildahBuilder;
  options(outName: string, extra?: Partial<RunBuildOptions>): RunBuildOptions;
  cleanup(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'lbe-executor-test-'));
  const tmp = join(dir, 'tmp');
  await mkdir(tmp);
  const runner = new NodeProcessRunner();
  const builder = new BuildahBuilder({ runner, storage: buildahStorageFor(TEST_CACHE_DIR), tmpDir: tmp });
  return {
    dir,
    tmp,
    runner,
    builder,
    options: (outName, extra = {}) => ({
      outDir: join(dir, outName),
      builder,
      runner,
      cacheDir: TEST_CACHE_DIR,
      tmpDir: tmp,
      limits: { memory: '2g', cpus: 2, pids: 100, timeoutMs: 10 * 60_000 },
      ...extra,
    }),
    cleanup: async () => {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Entries left in a directory (temp dirs must be gone after every build). */
export async function leftovers(dir: string): Promise<string[]> {
  return readdir(dir);
}

/** Mounts under lbe's container storage (there must be none once no build runs). */
export async function storageMounts(): Promise<string[]> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts.split('\n').filter((l) => l.includes(join(TEST_CACHE_DIR, 'containers')));
}
