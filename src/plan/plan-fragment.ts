import type { PlanIssue } from './plan.types.js';

/** A package the plan wants: an abstract name of `package-map.ts` or a distro name, with its spec origin. */
export interface PackageWant {
  readonly name: string;
  readonly version?: string;
  /** JSON path of the spec field that asked for it (`packages`, `securityFeatures.ssh` …), for warnings. */
  readonly origin: string;
}

/**
 * A file that must end up in the image at `imagePath` with exactly `mode` and `owner` (`user:group`).
 * `copyDirect` files are COPY'd straight to their path by the Dockerfile instead of being installed by the
 * configure script: that is required for /etc/hostname and /etc/hosts, which the build runtime bind-mounts
 * during RUN (a write from RUN would land in the mount, not the layer).
 */
export interface ImageFile {
  readonly imagePath: string;
  readonly content: string;
  readonly encoding: 'utf8' | 'base64';
  readonly mode: string;
  readonly owner: string;
  readonly origin: string;
  readonly copyDirect?: boolean;
}

/**
 * What one generator contributes to the plan. Contract: generators are pure functions of the spec and the
 * recipe; every shell line is complete and has every spec value escaped with `escapeShellArg`.
 */
export interface PlanFragment {
  readonly files?: readonly ImageFile[];
  readonly packages?: readonly PackageWant[];
  /** Configure script, phase 1: groups and users (before any file is installed). */
  readonly accountLines?: readonly string[];
  /** Configure script, phase 3: after files are installed, before services are enabled. */
  readonly systemLines?: readonly string[];
  /** Extra RUN commands of the packages stage (the only stage with network; mirrors only on lbe builders). */
  readonly packageStageCommands?: readonly string[];
  /** Services (init-system names) to enable / mask. */
  readonly enable?: readonly string[];
  readonly disable?: readonly string[];
  readonly kernelParams?: readonly string[];
  readonly warnings?: readonly PlanIssue[];
}

/** Concatenates fragments field by field, keeping their order. */
export function mergeFragments(fragments: readonly PlanFragment[]): Required<PlanFragment> {
  const all = <T>(get: (f: PlanFragment) => readonly T[] | undefined): T[] =>
    fragments.flatMap((f) => get(f) ?? []);
  return {
    files: all((f) => f.files),
    packages: all((f) => f.packages),
    accountLines: all((f) => f.accountLines),
    systemLines: all((f) => f.systemLines),
    packageStageCommands: all((f) => f.packageStageCommands),
    enable: all((f) => f.enable),
    disable: all((f) => f.disable),
    kernelParams: all((f) => f.kernelParams),
    warnings: all((f) => f.warnings),
  };
}

/** `0644` style: four octal digits. `644` → `0644`. */
export function normalizeMode(mode: string): string {
  return mode.padStart(4, '0');
}
