import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbeError, isLbeError } from '../../errors/index.js';
import type { Builder, RegistryCredentials, StageBuildRequest, StreamOptions } from '../builder.types.js';
import type { ProcessRunner, RunOptions } from '../process/process-runner.js';
import {
  BUILDAH,
  addArgs,
  budArgs,
  commitArgs,
  containersArgs,
  containersJsonArgs,
  fromArgs,
  inspectImageIdArgs,
  loginArgs,
  mountArgs,
  pullArgs,
  pushArgs,
  rmArgs,
  rmiArgs,
  umountArgs,
  versionArgs,
  parseContainersJson,
  type BuildahStorage,
} from '../tools/buildah.tool.js';
import { CP, copyTreeArgs } from '../tools/cp.tool.js';
import { runTool } from '../tools/tool.invocation.js';
import { ownProcessIdentity } from '../process/process-identity.js';
import { createPidsCgroup, type PidsCgroup } from './pids-cgroup.limiter.js';
import {
  StageOwnerRecords,
  isOwnerAlive,
  selectOrphanedContainers,
  stageOwnersDirFor,
  type StoredStageOwnerRecord,
} from './stage-owners.js';

export interface BuildahBuilderOptions {
  readonly runner: ProcessRunner;
  /** Where lbe's images live; default `${cacheDir}/containers/{storage,run}` (see `buildahStorageFor`). */
  readonly storage: BuildahStorage;
  /** OCI runtime; runc, because crun fails on hosts with hybrid cgroups. */
  readonly runtime?: string;
  /** Registry pulls fail fast: unreachable registries must not stall a build (default 60 s). */
  readonly pullTimeoutMs?: number;
  /** Time limit of short bookkeeping commands (inspect, from, mount, rm…; default 120 s). */
  readonly commandTimeoutMs?: number;
  /**
   * Parent of the builder's short-lived temp dirs (Dockerfile, iidfile, auth file, and the layers buildah
   * stages while it writes image.tar or pushes: up to the image's size, so a disk rather than a small
   * tmpfs); default os.tmpdir().
   */
  readonly tmpDir?: string;
}

/** The store layout under the engine's cache dir, shared by CLI runs and the worker on one host. */
export function buildahStorageFor(cacheDir: string): BuildahStorage {
  return { root: join(cacheDir, 'containers', 'storage'), runroot: join(cacheDir, 'containers', 'run') };
}

/** Prefix of every working container lbe creates itself (export/import), so leftovers are recognisable. */
export const LBE_CONTAINER_PREFIX = 'lbe-';

/**
 * Builder backed by buildah, daemonless: every call is one buildah process (argv only) against lbe's own
 * storage root. Stages run with `--isolation oci --runtime runc`; `network: 'none'` → `--network none`,
 * `'mirrors'` → `--network host` (NOT restricted to the mirror hosts; see docs/builds.md). Limits map to
 * `--memory/--memory-swap`, `--cpu-period/--cpu-quota`, a pids cgroup passed as `--cgroup-parent`
 * (`buildah bud` 1.28 has no `--pids-limit`) and the runner's wall-clock timeout.
 * Working containers and mounts it creates are removed in `finally`, also on failure and abort.
 * Each `bud` runs under an ownership record (see stage-owners.ts), and the first `buildStage` of an instance
 * first sweeps the working containers whose owner died (`sweepOrphanedStageContainers`).
 */
export class BuildahBuilder implements Builder {
  readonly name = 'buildah' as const;
  private readonly runner: ProcessRunner;
  private readonly storage: BuildahStorage;
  private readonly runtime: string;
  private readonly pullTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly tmpDir: string;
  private readonly owners: StageOwnerRecords;
  private sweep: Promise<string[]> | undefined;

  constructor(options: BuildahBuilderOptions) {
    this.runner = options.runner;
    this.storage = options.storage;
    this.runtime = options.runtime ?? '/usr/sbin/runc';
    this.pullTimeoutMs = options.pullTimeoutMs ?? 60_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 120_000;
    this.tmpDir = options.tmpDir ?? tmpdir();
    this.owners = new StageOwnerRecords(stageOwnersDirFor(options.storage));
  }

  get storageRoot(): BuildahStorage {
    return this.storage;
  }

  async version(): Promise<string> {
    const result = await this.buildah(versionArgs());
    return result.stdout.trim();
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.imageId(ref);
      return true;
    } catch (err) {
      if (isLbeError(err) && err.code === 'LBE_BUILD_STEP_FAILED') return false;
      throw err;
    }
  }

  async imageId(ref: string): Promise<string> {
    const result = await this.buildah(inspectImageIdArgs(this.storage, ref), { tailLines: 5 });
    const id = result.stdout.trim().replace(/^sha256:/, '');
    if (!/^[0-9a-f]{64}$/.test(id)) {
      throw new LbeError('LBE_BUILD_STEP_FAILED', `buildah inspect gave no image id for ${ref}`);
    }
    return id;
  }

  async pull(reference: string, options: StreamOptions = {}): Promise<boolean> {
    try {
      await this.buildah(pullArgs(this.storage, reference), {
        ...stream(options),
        timeoutMs: this.pullTimeoutMs,
      });
      return true;
    } catch (err) {
      if (isLbeError(err) && (err.code === 'LBE_BUILD_STEP_FAILED' || err.code === 'LBE_BUILD_TIMEOUT')) {
        return false;
      }
      throw err;
    }
  }

  async importRootfs(tarPath: string, tag: string, options: StreamOptions = {}): Promise<string> {
    const work = await mkdtemp(join(this.tmpDir, 'lbe-import-'));
    const name = containerName('import');
    let created = false;
    try {
      await this.buildah(fromArgs(this.storage, 'scratch', name), stream(options));
      created = true;
      await this.buildah(addArgs(this.storage, name, tarPath), {
        ...stream(options),
        timeoutMs: 30 * 60_000,
      });
      const iidFile = join(work, 'iid');
      await this.buildah(commitArgs(this.storage, name, tag, iidFile, 0), {
        ...stream(options),
        timeoutMs: 30 * 60_000,
      });
      created = false; // commit --rm removed it
      return normalizeId(await readFile(iidFile, 'utf8'));
    } finally {
      if (created) await this.removeContainer(name);
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * One `buildah bud` of a generated Dockerfile. A failed step, a timeout or an abort (SIGTERM to the process
   * group, SIGKILL 30 s later) leaves no working container: bud removes its own (`--force-rm`). While bud
   * runs, an ownership record names this process as its owner, so that a container a killed bud leaves can be
   * told apart from a running one; the record is deleted once bud has exited. Before its first stage, an
   * instance awaits one sweep of orphaned working containers (which cannot fail the stage). Nothing else in
   * the shared store is touched, so concurrent builds — in this process or another — are safe. When the
   * record cannot be written (or the store not listed for it) the stage fails: a bud without a record could be
   * taken for a dead owner's orphan by another process's sweep.
   */
  async buildStage(request: StageBuildRequest): Promise<string> {
    this.sweep ??= this.sweepOrphanedStageContainers(stream(request));
    await this.sweep;
    const work = await mkdtemp(join(this.tmpDir, 'lbe-stage-'));
    let pids: PidsCgroup | undefined;
    let recordId: string | undefined;
    try {
      const dockerfile = join(work, 'Dockerfile');
      await writeFile(dockerfile, `FROM ${request.fromImage}\n${request.instructions.join('\n')}\n`);
      const iidFile = join(work, 'iid');
      if (request.limits !== undefined) {
        pids = await createPidsCgroup(containerName('pids'), request.limits.pids);
        if (pids === undefined) {
          request.onLine?.(
            'lbe: the cgroup filesystem is not writable: the pids limit is not enforced',
            'stderr',
          );
        }
      }
      const args = budArgs({
        storage: this.storage,
        runtime: this.runtime,
        dockerfile,
        contextDir: request.contextDir,
        tag: request.tag,
        iidFile,
        network: request.network === 'none' ? 'none' : 'host',
        sourceDateEpoch: request.sourceDateEpoch,
        ...(request.limits === undefined ? {} : { limits: request.limits }),
        ...(pids === undefined ? {} : { cgroupParent: pids.parent }),
      });
      recordId = await this.recordStageOwner(request.fromImage);
      await this.buildah(args, {
        ...stream(request),
        tailLines: 80,
        timeoutMs: request.limits?.timeoutMs ?? 60 * 60_000,
        // bud stops its RUN, unmounts and removes its working container on SIGTERM; under load that takes
        // longer than the default 3 s, and a SIGKILL part-way leaves the container (and its mount) behind.
        killGraceMs: BUD_KILL_GRACE_MS,
      });
      return normalizeId(await readFile(iidFile, 'utf8'));
    } finally {
      if (recordId !== undefined) await this.owners.remove(recordId);
      await pids?.release();
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * Removes the working containers that `buildah bud`s of dead lbe processes left in this store, and returns
   * their names. Conservative by construction; it removes a container only when all of these hold:
   *   - an ownership record names an owner that no longer runs (no such pid, or a different start time);
   *   - the container is a buildah working container named `*-working-container[-N]`, created from that
   *     record's image (by id when the record has it, else by name) and absent from the record's `before`;
   *   - no record of a running owner, read before or after the store was listed, could claim it (same image
   *     and the container absent from its `before`): such a container is kept, and said so on `onLine`.
   * It never removes lbe's own `lbe-*` containers, containers no dead record claims, or containers created
   * after it listed the store; removal is by container id, so a reused name is never hit. A dead record is
   * deleted once every container it claims is gone (also when it claims none); one that claims a kept
   * container stays for a later sweep. Without any dead record it does not even list the store.
   * Never rejects: an error ends the sweep (reported on `onLine`), and what was removed so far is returned.
   * Safe to run while other processes build in the same store, and by several processes at once.
   */
  async sweepOrphanedStageContainers(options: Pick<StreamOptions, 'onLine'> = {}): Promise<string[]> {
    const removed: string[] = [];
    const say = (line: string): void => {
      try {
        options.onLine?.(line, 'stderr');
      } catch {
        // a failing log sink must not turn the sweep into a failure
      }
    };
    try {
      const first = await this.owners.list();
      const dead: StoredStageOwnerRecord[] = [];
      for (const entry of first) if (!(await isOwnerAlive(entry.record))) dead.push(entry);
      if (dead.length === 0) return removed;
      const containers = parseContainersJson((await this.buildah(containersJsonArgs(this.storage))).stdout);
      const second = await this.owners.list();
      const deadIds = new Set(dead.map((d) => d.id));
      const live = new Map<string, StoredStageOwnerRecord>();
      for (const entry of [...first, ...second]) if (!deadIds.has(entry.id)) live.set(entry.id, entry);
      const selection = selectOrphanedContainers({ dead, live: [...live.values()], containers });
      const keepRecords = new Set<string>();
      for (const { container, deadRecordIds } of selection.kept) {
        say(
          `lbe: kept working container ${container.containername}: a running build may own it (removed by a later sweep once none does)`,
        );
        for (const id of deadRecordIds) keepRecords.add(id);
      }
      for (const { container, deadRecordIds } of selection.remove) {
        if (await this.removeContainer(container.id)) {
          removed.push(container.containername);
          say(`lbe: removed working container ${container.containername} left by a killed build`);
        } else {
          for (const id of deadRecordIds) keepRecords.add(id);
        }
      }
      for (const { id } of dead) if (!keepRecords.has(id)) await this.owners.remove(id);
    } catch (err) {
      say(
        `lbe: the sweep of orphaned working containers stopped: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return removed;
  }

  async exportDockerArchive(
    image: string,
    file: string,
    tag: string,
    options: StreamOptions = {},
  ): Promise<void> {
    await rm(file, { force: true });
    const work = await mkdtemp(join(this.tmpDir, 'lbe-archive-'));
    try {
      await this.buildah(
        pushArgs({ storage: this.storage, image, destination: `docker-archive:${file}:${tag}` }),
        { ...stream(options), env: bigFilesTmp(work), timeoutMs: 30 * 60_000 },
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async exportRootfs(image: string, dir: string, options: StreamOptions = {}): Promise<void> {
    if ((await readdir(dir)).length > 0) throw new LbeError('LBE_BUILD_EXPORT_FAILED', `${dir} is not empty`);
    await this.withRootfs(
      image,
      async (mountPoint) => {
        await runTool(this.runner, CP, copyTreeArgs(mountPoint, dir), {
          ...stream(options),
          timeoutMs: 30 * 60_000,
        });
      },
      options,
    );
  }

  /** `buildah from` + `buildah mount`: `use` reads the container's overlay mount, nothing is copied. */
  async withRootfs<T>(
    image: string,
    use: (dir: string) => Promise<T>,
    options: StreamOptions = {},
  ): Promise<T> {
    const name = containerName('export');
    try {
      await this.buildah(fromArgs(this.storage, image, name), stream(options));
      const mount = await this.buildah(mountArgs(this.storage, name), stream(options));
      const mountPoint = mount.stdout.trim();
      if (mountPoint === '') {
        throw new LbeError('LBE_BUILD_EXPORT_FAILED', `buildah mount gave no mount point for ${image}`);
      }
      return await use(mountPoint);
    } finally {
      // By name, whatever got this far: a `from` or `mount` killed by an abort may still have done its work.
      await this.removeContainer(name);
    }
  }

  async push(
    image: string,
    destination: string,
    options: StreamOptions & { credentials?: RegistryCredentials; tlsVerify?: boolean } = {},
  ): Promise<string> {
    const work = await mkdtemp(join(this.tmpDir, 'lbe-push-'));
    try {
      const authFile = join(work, 'auth.json');
      const tlsVerify = options.tlsVerify ?? true;
      if (options.credentials !== undefined) {
        const host = destination.replace(/^docker:\/\//, '').split('/')[0] ?? '';
        await this.buildah(loginArgs(authFile, host, options.credentials.username, tlsVerify), {
          ...stream(options),
          stdin: options.credentials.password,
        });
      }
      const digestFile = join(work, 'digest');
      const dest = destination.includes('://') ? destination : `docker://${destination}`;
      await this.buildah(
        pushArgs({
          storage: this.storage,
          image,
          destination: dest,
          digestFile,
          tlsVerify,
          ...(options.credentials === undefined ? {} : { authFile }),
        }),
        { ...stream(options), env: bigFilesTmp(work), timeoutMs: 30 * 60_000 },
      );
      return (await readFile(digestFile, 'utf8')).trim();
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async removeImage(ref: string): Promise<void> {
    await this.quietly(rmiArgs(this.storage, ref));
  }

  /** Names of every working container in lbe's store (ours and those `bud` left behind). */
  async listContainers(): Promise<string[]> {
    const result = await this.buildah(containersArgs(this.storage));
    return result.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
  }

  /**
   * Writes this process's ownership record for a bud FROM `fromImage` and returns its id. The store is
   * listed before the record exists and the record before bud starts, so every container bud creates is
   * absent from the record's `before`.
   */
  private async recordStageOwner(fromImage: string): Promise<string> {
    const owner = await ownProcessIdentity().catch(() => {
      throw new LbeError('LBE_BUILD_STEP_FAILED', 'no /proc/self/stat');
    });
    const fromImageId = await this.imageId(fromImage).catch(() => undefined);
    const before = parseContainersJson((await this.buildah(containersJsonArgs(this.storage))).stdout);
    return this.owners.create({
      ownerPid: owner.pid,
      ownerStart: owner.start,
      fromImage,
      ...(fromImageId === undefined ? {} : { fromImageId }),
      before: before.map((c) => c.id),
      createdAt: new Date().toISOString(),
    });
  }

  /** `umount` + `rm` of a container (name or id); resolves whether `rm` succeeded. */
  private async removeContainer(nameOrId: string): Promise<boolean> {
    await this.quietly(umountArgs(this.storage, nameOrId));
    return this.quietly(rmArgs(this.storage, nameOrId));
  }

  /** Cleanup commands: never abortable (they run after an abort), errors ignored; resolves whether it succeeded. */
  private async quietly(args: readonly string[]): Promise<boolean> {
    try {
      await runTool(this.runner, BUILDAH, args, { timeoutMs: this.commandTimeoutMs, tailLines: 5 });
      return true;
    } catch {
      return false; // already gone, or cannot be removed now
    }
  }

  private buildah(args: readonly string[], options: RunOptions = {}) {
    return runTool(this.runner, BUILDAH, args, { timeoutMs: this.commandTimeoutMs, ...options });
  }
}

const BUD_KILL_GRACE_MS = 30_000;

function stream(options: StreamOptions): Pick<RunOptions, 'signal' | 'onLine'> {
  return {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onLine === undefined ? {} : { onLine: options.onLine }),
  };
}

/**
 * buildah stages every layer whose size it does not know (all of them, read from local storage) in a temp
 * file under TMPDIR (default /var/tmp) before writing it out, and a killed buildah leaves those files behind.
 * Pointing TMPDIR at a temp dir the caller removes in `finally` keeps an abort from leaking them.
 */
function bigFilesTmp(dir: string): Record<string, string> {
  return { TMPDIR: dir };
}

function normalizeId(raw: string): string {
  return raw.trim().replace(/^sha256:/, '');
}

function containerName(role: string): string {
  return `${LBE_CONTAINER_PREFIX}${role}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
