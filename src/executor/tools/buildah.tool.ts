/**
 * argv builders for `buildah` (1.28+). Pure functions: they build arrays, they never spawn.
 *
 * Every command starts with the global storage flags `--root <root> --runroot <runroot>` so that lbe's images
 * live in their own store (default `${cacheDir}/containers`), apart from the host's `/var/lib/containers`.
 *
 *   bud      buildah <storage> bud --isolation oci --runtime <runc> --network none|host --timestamp <sde> --pull=never
 *            --no-cache --force-rm
 *            [--memory M --memory-swap M --cpu-period 100000 --cpu-quota Q --ulimit nproc=P:P] [--cgroup-parent /cg]
 *            --iidfile <file> -f <Dockerfile> -t <tag> <contextDir>
 *            in: Dockerfile + context; out: image id in <iidfile>; exit 0 ok, 1 a RUN failed / bad Dockerfile,
 *            125 buildah itself failed, 137 killed (e.g. OOM). `--force-rm` (which buildah 1.28 accepts only with
 *            `--layers` or `--no-cache`; lbe caches stages itself, so `--no-cache` changes nothing) makes bud remove
 *            its own working container when a step fails or when it gets SIGTERM: cleanup never has to guess
 *            which container in a shared store was this build's.
 *   pull     buildah <storage> pull --retry 0 --quiet <ref> → image id on stdout; exit 125 unreachable/refused.
 *   from     buildah <storage> from --pull=never --quiet [--name n] <image|scratch> → container name on stdout.
 *   mount    buildah <storage> mount <ctr> → mount point on stdout.   umount / rm: exit 0, 125 unknown ctr.
 *   add      buildah <storage> add --quiet <ctr> <tar> / → extracts the tarball into the container.
 *   commit   buildah <storage> commit --quiet --rm --timestamp <sde> --iidfile <f> <ctr> <tag>.
 *   push     buildah <storage> push --quiet --retry 0 [--tls-verify=false] [--authfile f] [--digestfile f] <img> <dest>
 *            dest: `docker-archive:<file>:<tag>` or `docker://host/repo:tag`.
 *   login    buildah login --authfile <f> --username <u> --password-stdin [--tls-verify=false] <host> (password on stdin).
 *   inspect  buildah <storage> inspect --type image --format {{.FromImageID}} <ref> → image id; exit 125 missing.
 *   rmi      buildah <storage> rmi <ref>; exit 125/1 when missing (callers ignore it).
 *   containers  buildah <storage> containers --notruncate --format {{.ContainerName}} → one name per line.
 *   containers --json  buildah <storage> containers --json → a JSON array of {id, builder, imageid, imagename,
 *            containername} (`null` when the store has none; see parseContainersJson).
 */
import { z } from 'zod';

export interface BuildahStorage {
  /** containers/storage graph root (images, layers). */
  readonly root: string;
  /** Run-time state (locks, mounts); should be on a local filesystem. */
  readonly runroot: string;
}

export const BUILDAH = 'buildah';

/** CFS period used to express a CPU count as a quota. */
export const CPU_PERIOD_US = 100_000;

export interface BudLimits {
  readonly memory: string;
  readonly cpus: number;
  readonly pids: number;
}

export interface BudArgsInput {
  readonly storage: BuildahStorage;
  readonly runtime: string;
  readonly dockerfile: string;
  readonly contextDir: string;
  readonly tag: string;
  readonly iidFile: string;
  readonly network: 'none' | 'host';
  readonly sourceDateEpoch: number;
  readonly limits?: BudLimits;
  /** cgroup that carries the pids limit (see pids-cgroup.limiter.ts). */
  readonly cgroupParent?: string;
}

export function storageArgs(storage: BuildahStorage): string[] {
  return ['--root', storage.root, '--runroot', storage.runroot];
}

export function budArgs(input: BudArgsInput): string[] {
  const args = [
    ...storageArgs(input.storage),
    'bud',
    '--isolation',
    'oci',
    '--runtime',
    input.runtime,
    '--network',
    input.network,
    '--timestamp',
    String(input.sourceDateEpoch),
    '--pull=never',
    '--no-cache',
    '--force-rm',
    '--iidfile',
    input.iidFile,
  ];
  if (input.limits !== undefined) {
    args.push(
      '--memory',
      input.limits.memory,
      '--memory-swap',
      input.limits.memory,
      '--cpu-period',
      String(CPU_PERIOD_US),
      '--cpu-quota',
      String(Math.max(1000, Math.round(input.limits.cpus * CPU_PERIOD_US))),
      '--ulimit',
      `nproc=${input.limits.pids}:${input.limits.pids}`,
    );
  }
  if (input.cgroupParent !== undefined) args.push('--cgroup-parent', input.cgroupParent);
  args.push('-f', input.dockerfile, '-t', input.tag, input.contextDir);
  return args;
}

export function pullArgs(storage: BuildahStorage, reference: string): string[] {
  return [...storageArgs(storage), 'pull', '--retry', '0', '--quiet', reference];
}

export function fromArgs(storage: BuildahStorage, image: string, name?: string): string[] {
  return [
    ...storageArgs(storage),
    'from',
    '--pull=never',
    '--quiet',
    ...(name === undefined ? [] : ['--name', name]),
    image,
  ];
}

export function mountArgs(storage: BuildahStorage, container: string): string[] {
  return [...storageArgs(storage), 'mount', container];
}

export function umountArgs(storage: BuildahStorage, container: string): string[] {
  return [...storageArgs(storage), 'umount', container];
}

export function rmArgs(storage: BuildahStorage, container: string): string[] {
  return [...storageArgs(storage), 'rm', container];
}

export function addArgs(storage: BuildahStorage, container: string, tarPath: string): string[] {
  return [...storageArgs(storage), 'add', '--quiet', container, tarPath, '/'];
}

export function commitArgs(
  storage: BuildahStorage,
  container: string,
  tag: string,
  iidFile: string,
  sourceDateEpoch: number,
): string[] {
  return [
    ...storageArgs(storage),
    'commit',
    '--quiet',
    '--rm',
    '--timestamp',
    String(sourceDateEpoch),
    '--iidfile',
    iidFile,
    container,
    tag,
  ];
}

export interface PushArgsInput {
  readonly storage: BuildahStorage;
  readonly image: string;
  readonly destination: string;
  readonly authFile?: string;
  readonly digestFile?: string;
  readonly tlsVerify?: boolean;
}

export function pushArgs(input: PushArgsInput): string[] {
  return [
    ...storageArgs(input.storage),
    'push',
    '--quiet',
    '--retry',
    '0',
    ...(input.tlsVerify === false ? ['--tls-verify=false'] : []),
    ...(input.authFile === undefined ? [] : ['--authfile', input.authFile]),
    ...(input.digestFile === undefined ? [] : ['--digestfile', input.digestFile]),
    input.image,
    input.destination,
  ];
}

export function loginArgs(authFile: string, host: string, username: string, tlsVerify: boolean): string[] {
  return [
    'login',
    '--authfile',
    authFile,
    '--username',
    username,
    '--password-stdin',
    ...(tlsVerify ? [] : ['--tls-verify=false']),
    host,
  ];
}

export function inspectImageIdArgs(storage: BuildahStorage, ref: string): string[] {
  return [...storageArgs(storage), 'inspect', '--type', 'image', '--format', '{{.FromImageID}}', ref];
}

export function rmiArgs(storage: BuildahStorage, ref: string): string[] {
  return [...storageArgs(storage), 'rmi', ref];
}

export function containersArgs(storage: BuildahStorage): string[] {
  return [...storageArgs(storage), 'containers', '--notruncate', '--format', '{{.ContainerName}}'];
}

export function containersJsonArgs(storage: BuildahStorage): string[] {
  return [...storageArgs(storage), 'containers', '--json'];
}

const buildahContainerSchema = z.object({
  /** Full container id (64 hex). */
  id: z.string().min(1),
  /** True for buildah's own working containers (false for containers other tools made in the store). */
  builder: z.boolean(),
  /** Full id of the image it was created from; empty for `scratch`. */
  imageid: z.string(),
  /** Name of that image as buildah prints it (`localhost/...` for local names), empty for `scratch`. */
  imagename: z.string(),
  containername: z.string(),
});

export type BuildahContainer = z.infer<typeof buildahContainerSchema>;

/** Parses the stdout of `containersJsonArgs`; throws when it is not that shape (keys lbe does not read are dropped). */
export function parseContainersJson(stdout: string): BuildahContainer[] {
  const parsed: unknown = JSON.parse(stdout);
  return z.array(buildahContainerSchema).parse(parsed ?? []);
}

export function versionArgs(): string[] {
  return ['--version'];
}
