import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BuildahBuilder, buildahStorageFor } from '../../src/executor/buildah/buildah.builder.js';
import { NodeProcessRunner } from '../../src/executor/process/process-runner.js';
import { storageArgs } from '../../src/executor/tools/buildah.tool.js';
import { describeBuilderConformance } from './builder.conformance.js';

// BuildahBuilder against a private storage root in a temp dir (never the shared cache), runc as runtime.
// buildah really cuts the network for `none` stages (networkNone 'isolates'), and the runner kills the
// process group of a timed-out or aborted `bud`, RUN process included (cancelsRunningStage true).
describeBuilderConformance('buildah', async () => {
  const runner = new NodeProcessRunner();
  const dir = await mkdtemp(path.join(tmpdir(), 'lbe-buildah-conformance-'));
  const tmp = path.join(dir, 'tmp');
  await mkdir(tmp);
  const storage = buildahStorageFor(dir);
  const builder = new BuildahBuilder({ runner, storage, tmpDir: tmp });
  const quietly = async (args: string[]): Promise<void> => {
    await runner
      .run('buildah', [...storageArgs(storage), ...args], { timeoutMs: 120_000 })
      .catch(() => undefined);
  };
  return {
    builder,
    networkNone: 'isolates',
    cancelsRunningStage: true,
    cleanup: async () => {
      await quietly(['rm', '--all']);
      await quietly(['rmi', '--all', '--force']);
      // The overlay driver may leave its own mounts under the storage root; they must go before rm -rf.
      const mounts = (await readFile('/proc/self/mounts', 'utf8'))
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts)
        await runner.run('umount', ['-l', m], { timeoutMs: 30_000 }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
});
