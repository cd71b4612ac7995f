import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { isErrno, isProcessAlive, ownProcessIdentity, type ProcessIdentity } from './process-identity.js';

/**
 * Per-process scratch directories for the lbe processes that build (server, worker, `lbe build`).
 *
 * Every temp dir lbe makes (build work dirs, Dockerfile contexts, ISO staging, registry auth files, …) is
 * created with `mkdtemp(os.tmpdir())`. A process killed by SIGKILL, the OOM killer or a power loss cannot
 * remove them, and a build's can hold gigabytes and registry credentials. So such a process first claims
 * its own directory under the base temp dir, named after its identity:
 *
 *     <base>/lbe-proc-<host>-<pid>-<start>-<random>
 *
 * (created with `mkdtemp`, mode 0700, so nobody else on the host can have made it first)
 * — `start` is the kernel start time of the process, so a reused pid does not pass for it — points TMPDIR at
 * it for the rest of its life (Node's `os.tmpdir()` reads TMPDIR on every call), and removes it when it ends
 * or stops gracefully. While claiming, it removes the directories of the same host whose process is gone,
 * whatever they hold. Directories of other hosts (containers sharing a temp volume) and of processes still
 * running are never touched; neither is anything not named `lbe-proc-*`. Only meaningful inside one pid
 * namespace: processes sharing a base dir from different pid namespaces must have different host names.
 */

const SCRATCH_DIR = /^lbe-proc-([A-Za-z0-9._]+)-(\d+)-(\d+)-[A-Za-z0-9]{6}$/;

export interface ProcessScratch {
  /** This process's directory (mode 0700). */
  readonly dir: string;
  /** Directories of dead processes removed while claiming (full paths). */
  readonly swept: readonly string[];
  /** Removes `dir` and everything in it. Idempotent. */
  release(): Promise<void>;
}

export interface ClaimScratchOptions {
  /** Where the directories live: the process's temp dir before the claim. */
  readonly base: string;
  /** Defaults to this process. */
  readonly self?: ProcessIdentity;
  /** Defaults to `os.hostname()`. */
  readonly host?: string;
}

/**
 * The start of the directory names of `identity` on `host` (characters outside `[A-Za-z0-9.]` of the host
 * become `_`); `mkdtemp` adds six random characters.
 */
export function scratchDirPrefix(host: string, identity: ProcessIdentity): string {
  return `lbe-proc-${safeHost(host)}-${String(identity.pid)}-${String(identity.start)}-`;
}

/** Whether `dir` is named like a scratch dir (the TMPDIR of a process that claimed one). */
export function isScratchDir(dir: string): boolean {
  return SCRATCH_DIR.test(basename(dir));
}

/** Removes the dead processes' directories of this host under `base`, then creates this process's. */
export async function claimProcessScratch(options: ClaimScratchOptions): Promise<ProcessScratch> {
  const self = options.self ?? (await ownProcessIdentity());
  const host = safeHost(options.host ?? hostname());
  const swept = await sweepDeadScratch(options.base, host, self);
  await mkdir(options.base, { recursive: true });
  const dir = await mkdtemp(join(options.base, scratchDirPrefix(host, self)));
  let released = false;
  return {
    dir,
    swept,
    async release() {
      if (released) return;
      released = true;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes sure the scratch dir `dir` still exists — a temp cleaner may have removed it while the process
 * idled — and is this process's: a directory, not a link, owned by this user. Re-created with mode 0700
 * when missing; throws when something else stands in its place.
 */
export async function ensureScratchDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
  const st = await lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new Error(`${dir} is not this process's scratch dir: not a directory of user ${String(uid)}`);
  }
}

async function sweepDeadScratch(base: string, host: string, self: ProcessIdentity): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const name of names) {
    const m = SCRATCH_DIR.exec(name);
    if (m?.[1] !== host || m[2] === undefined || m[3] === undefined) continue;
    const owner = { pid: Number(m[2]), start: Number(m[3]) };
    if (owner.pid === self.pid && owner.start === self.start) continue;
    if (await isProcessAlive(owner)) continue;
    await rm(join(base, name), { recursive: true, force: true });
    swept.push(join(base, name));
  }
  return swept;
}

/** Host names may hold `-`, which separates the name's fields; only `[A-Za-z0-9.]` is kept as is. */
function safeHost(host: string): string {
  return host.replace(/[^A-Za-z0-9.]/g, '_').slice(0, 64) || 'host';
}
