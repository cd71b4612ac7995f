import { LbeError } from '../../errors/index.js';
import type { ResourceLimits, StageBuildRequest } from '../builder.types.js';

/**
 * Pure translation of a StageBuildRequest into what the Docker Engine API's `POST /build` takes: the stage's
 * Dockerfile text and the query parameters. Resource limits and network isolation are query parameters:
 *   networkmode  `none` for network `none`; the configured mode (engine default = bridge) for `mirrors`
 *   memory, memswap  bytes; memswap = memory so the stage cannot swap around the limit
 *   cpuperiod, cpuquota  100000 µs period × cpus
 *   ulimits  `nproc` soft=hard=pids: the build API has no pids-limit parameter, so the per-user process limit
 *            is the closest the API offers (it counts processes of the build user, not the cgroup). Docker
 *            wants `[{"Name":"nproc","Soft":N,"Hard":N}]`; podman's compat API answers that with a bare 400 and
 *            wants `["nproc=N:N"]` — hence `engine`.
 *   buildargs  SOURCE_DATE_EPOCH (the Dockerfile declares `ARG SOURCE_DATE_EPOCH` so RUN lines see it)
 *   rm, forcerm  intermediate containers are removed even when the build fails; pull=0: FROM is local
 */

/** Name of the stage Dockerfile inside the context tarball (random suffix: never clashes with a context file). */
export function stageDockerfileName(random: string): string {
  return `.lbe-stage-${random}.Dockerfile`;
}

/** `FROM <fromImage>`, `ARG SOURCE_DATE_EPOCH`, then the stage's instructions. */
export function renderStageDockerfile(
  request: Pick<StageBuildRequest, 'fromImage' | 'instructions'>,
): string {
  if (/\s/.test(request.fromImage) || request.fromImage === '') {
    throw new LbeError('LBE_BUILD_STEP_FAILED', `invalid FROM image ${JSON.stringify(request.fromImage)}`);
  }
  return [`FROM ${request.fromImage}`, 'ARG SOURCE_DATE_EPOCH', ...request.instructions, ''].join('\n');
}

/** `2g` → 2147483648; `512m`, `1024k`, `100b`, `123` (bytes). Throws on anything else. */
export function parseMemorySize(size: string): number {
  const m = /^(\d+)([bkmg]?)$/i.exec(size.trim());
  if (m?.[1] === undefined)
    throw new LbeError('LBE_BUILD_STEP_FAILED', `invalid memory size ${JSON.stringify(size)}`);
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === 'g' ? 1024 ** 3 : unit === 'm' ? 1024 ** 2 : unit === 'k' ? 1024 : 1;
  return Number(m[1]) * factor;
}

export const CPU_PERIOD_US = 100_000;

export function buildQuery(options: {
  readonly tag: string;
  readonly dockerfile: string;
  readonly network: StageBuildRequest['network'];
  readonly mirrorsNetworkMode: string | undefined;
  readonly limits: ResourceLimits | undefined;
  readonly sourceDateEpoch: number;
  readonly noCache?: boolean;
  /** Which dialect of the API the engine speaks (from GET /version). */
  readonly engine?: 'docker' | 'podman';
}): Record<string, string> {
  const query: Record<string, string> = {
    t: options.tag,
    dockerfile: options.dockerfile,
    rm: '1',
    forcerm: '1',
    pull: '0',
    buildargs: JSON.stringify({ SOURCE_DATE_EPOCH: String(options.sourceDateEpoch) }),
  };
  if (options.noCache === true) query.nocache = '1';
  if (options.network === 'none') query.networkmode = 'none';
  else if (options.mirrorsNetworkMode !== undefined) query.networkmode = options.mirrorsNetworkMode;
  if (options.limits !== undefined) {
    const memory = parseMemorySize(options.limits.memory);
    query.memory = String(memory);
    query.memswap = String(memory);
    query.cpuperiod = String(CPU_PERIOD_US);
    query.cpuquota = String(Math.max(1000, Math.round(options.limits.cpus * CPU_PERIOD_US)));
    const pids = options.limits.pids;
    query.ulimits = JSON.stringify(
      options.engine === 'podman' ? [`nproc=${pids}:${pids}`] : [{ Name: 'nproc', Soft: pids, Hard: pids }],
    );
  }
  return query;
}

/**
 * Exit code and marker of the network-isolation probe (see networkProbeDockerfile).
 * A probe that exits with this code proves the engine did NOT cut the network.
 */
export const NETWORK_PROBE_MARKER = 'lbe-network-not-isolated';

/**
 * A one-RUN Dockerfile that fails when the build container sees any network interface besides `lo`.
 * Only `sh` builtins (`read`, `case`, `echo`) are used, so it works on any image a RUN stage can use.
 * Why: `podman system service` 4.3 accepts `networkmode=none` on /build and ignores it (RUN lines see the host's
 * interfaces); the backend must fail closed instead of running a "no network" stage with network.
 */
export function networkProbeDockerfile(fromImage: string): string {
  const script =
    'while read -r l; do case "$l" in ""|Inter*|face*|lo:*) ;; ' +
    `*) echo "${NETWORK_PROBE_MARKER}: $l"; exit 97;; esac; done < /proc/net/dev`;
  return `FROM ${fromImage}\nRUN ${script}\n`;
}
