import { access, mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A cgroup that caps the number of processes of one limited stage. `buildah bud` 1.28 has no
 * `--pids-limit`, containers.conf's `pids_limit` is not applied by `bud`, and `--ulimit nproc` does not bind
 * root; so the executor creates a cgroup with `pids.max` and passes it as `--cgroup-parent`: runc places the
 * RUN container in that cgroup (keeping the pre-set `pids.max`) and deletes it when the container exits.
 *
 * Contract: `create` returns the cgroup-parent path (e.g. `/lbe-pids-…`) or undefined when this host's cgroup
 * filesystem is not writable (the caller then logs that the pids limit is not enforced). `release` removes
 * the cgroup if runc left it; it never throws.
 */
export interface PidsCgroup {
  readonly parent: string;
  release(): Promise<void>;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

export async function createPidsCgroup(
  name: string,
  pidsMax: number,
  root = CGROUP_ROOT,
): Promise<PidsCgroup | undefined> {
  // cgroup v1 (and hybrid): a `pids` hierarchy; cgroup v2: the unified root has `cgroup.controllers`.
  const v1 = join(root, 'pids');
  const dir = (await exists(join(v1, 'pids.max'))) || (await exists(join(v1, 'cgroup.procs'))) ? v1 : root;
  const path = join(dir, name);
  try {
    await mkdir(path);
    await writeFile(join(path, 'pids.max'), String(Math.trunc(pidsMax)));
  } catch {
    await rmdir(path).catch(() => undefined);
    return undefined;
  }
  return {
    parent: `/${name}`,
    release: async () => {
      await rmdir(path).catch(() => undefined);
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
