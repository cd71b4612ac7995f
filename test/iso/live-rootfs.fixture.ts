import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { livePackagesFor } from '../../src/executor/iso/iso-packages.js';
import type { ProcessRunner } from '../../src/executor/process/process-runner.js';

/**
 * A Debian bookworm minbase root filesystem with exactly the packages the recipe adds for a live ISO
 * (`livePackagesFor('debian', 'linux')`), cached outside the checkout in
 * `${XDG_CACHE_HOME:-$HOME/.cache}/lbe/test-fixtures/live-rootfs-<key>/rootfs` (returned), next to a
 * `recipe.json` written last; the key hashes release, arch, variant, package list and mirror, so changing
 * the list makes a new fixture. The whole `<key>` directory is built under a temporary name and renamed,
 * so an interrupted run leaves nothing half-made in its place. Treat the rootfs as read-only: copy it.
 *
 * argv: mmdebstrap --mode=root --variant=minbase --architectures=amd64 --include=<pkgs,…> --quiet
 *       bookworm <tmp>/rootfs <mirror>   (needs root and the mirror; about 2 min and 650 MiB here)
 */
export const LIVE_ROOTFS_MIRROR = 'http://deb.debian.org/debian';

export function fixtureCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME ?? path.join(env.HOME ?? os.homedir(), '.cache');
  return path.join(base, 'lbe', 'test-fixtures');
}

export async function liveRootfsFixture(
  runner: ProcessRunner,
  cacheDir = fixtureCacheDir(),
): Promise<string> {
  const packages = livePackagesFor('debian', 'linux').packages;
  const recipe = {
    release: 'bookworm',
    arch: 'amd64',
    variant: 'minbase',
    packages,
    mirror: LIVE_ROOTFS_MIRROR,
  };
  const key = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir, `live-rootfs-${key}`);
  const complete = await stat(path.join(dir, 'recipe.json')).then(
    () => true,
    () => false,
  );
  if (complete) return path.join(dir, 'rootfs');

  await mkdir(cacheDir, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    await runner.run(
      'mmdebstrap',
      [
        '--mode=root',
        `--variant=${recipe.variant}`,
        `--architectures=${recipe.arch}`,
        `--include=${packages.join(',')}`,
        '--quiet',
        recipe.release,
        path.join(tmp, 'rootfs'),
        recipe.mirror,
      ],
      { timeoutMs: 15 * 60_000 },
    );
    await writeFile(path.join(tmp, 'recipe.json'), `${JSON.stringify(recipe)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return path.join(dir, 'rootfs');
}
