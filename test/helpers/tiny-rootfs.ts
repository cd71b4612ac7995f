import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NodeProcessRunner, type ProcessRunner } from '../../src/executor/process/process-runner.js';

/**
 * A tiny root filesystem tarball made from this host's own binaries, in well under a second and without
 * network: bash (as /bin/bash and /bin/sh), dd, cat, ls, and the shared libraries `ldd` lists for them.
 * Enough for `RUN` lines (sh), a network probe (`bash`'s /dev/tcp), and a memory hog (`dd bs=…`).
 * argv: `ldd BIN` per binary; `tar --create --file OUT --numeric-owner -C STAGING .`.
 * `cleanup()` removes the temp dir that holds the tarball.
 */
export interface TinyRootfs {
  readonly tarPath: string;
  cleanup(): Promise<void>;
}

const BINARIES = ['/bin/bash', '/bin/dd', '/bin/cat', '/bin/ls'] as const;

export async function makeTinyRootfs(runner: ProcessRunner = new NodeProcessRunner()): Promise<TinyRootfs> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lbe-tiny-rootfs-'));
  const staging = path.join(dir, 'rootfs');
  await mkdir(path.join(staging, 'bin'), { recursive: true });
  await mkdir(path.join(staging, 'tmp'), { recursive: true, mode: 0o1777 });
  await mkdir(path.join(staging, 'etc'), { recursive: true });
  const libs = new Set<string>();
  for (const bin of BINARIES) {
    await copyFile(bin, path.join(staging, bin));
    const ldd = await runner.run('ldd', [bin], { timeoutMs: 10_000 });
    for (const m of ldd.stdout.matchAll(/(\/\S+)/g)) if (m[1] !== undefined) libs.add(m[1]);
  }
  for (const lib of libs) {
    await mkdir(path.join(staging, path.dirname(lib)), { recursive: true });
    await copyFile(lib, path.join(staging, lib));
  }
  await symlink('bash', path.join(staging, 'bin/sh'));
  const tarPath = path.join(dir, 'rootfs.tar');
  await runner.run('tar', ['--create', '--file', tarPath, '--numeric-owner', '-C', staging, '.'], {
    timeoutMs: 60_000,
  });
  await rm(staging, { recursive: true, force: true });
  return {
    tarPath,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
