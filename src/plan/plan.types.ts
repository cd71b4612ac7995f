import type { Base } from '../spec/spec.schema.js';
import type { NormalizedSpec } from '../spec/spec.normalize.js';

/**
 * The contract between `plan/` (which makes it) and `executor/` (which runs it). A BuildPlan is pure data:
 * serialisable to JSON (`plan.json`), and its `hash` covers everything that influences the build.
 */

/** Distro families share a package manager and a recipe file. ubuntu → debian. */
export type DistroFamily = 'debian' | 'alpine' | 'arch' | 'fedora' | 'opensuse' | 'void' | 'gentoo';

/** The ordered stages of ARCHITECTURE.md. Only the RUN stages (packages, configure, scripts) have Dockerfile text. */
export type StageName = 'base' | 'packages' | 'configure' | 'scripts' | 'export' | 'iso' | 'publish';

export interface PlanIssue {
  readonly path: string;
  readonly message: string;
}

/** Where the base image comes from. */
export interface BaseImagePlan {
  readonly distro: Base;
  readonly release: string;
  readonly architecture: 'x86_64' | 'aarch64';
  /** Registry reference tried first, e.g. `docker.io/library/debian:bookworm`. */
  readonly reference: string;
  /** How to make the base locally when the registry is unreachable; `none` = cannot be bootstrapped here. */
  readonly bootstrap: 'mmdebstrap' | 'none';
  /** Package mirror used by the bootstrap and the packages stage, when the family has one. */
  readonly mirror?: string;
}

/**
 * A file of the build context. `contextPath` is relative to the context root and never contains `..`.
 * Files with an `imagePath` land in the image at that path with `mode`/`owner`; files without one are
 * build-time helpers (e.g. `lbe/configure.sh`) that the stage runs and removes.
 */
export interface ContextFile {
  readonly contextPath: string;
  readonly imagePath?: string;
  /** With `encoding: 'base64'` the file's bytes are the decoded content (user `files[].base64`). */
  readonly content: string;
  readonly encoding: 'utf8' | 'base64';
  /** Octal mode as a string, e.g. `0644`. */
  readonly mode: string;
  /** `user:group`. */
  readonly owner: string;
  /** The generator (or spec field) that made it, e.g. `users`, `sshd`, `firewall`, `files[2]`. */
  readonly origin: string;
}

/**
 * One RUN stage of the recipe. `instructions` are Dockerfile lines WITHOUT the `FROM` line: the executor
 * builds each stage on top of the previous stage's image (so a change to a later stage never reruns an
 * earlier one) and applies `network` to the whole stage.
 */
export interface RecipeStage {
  readonly name: 'packages' | 'configure' | 'scripts';
  /** `mirrors`: the package mirrors are reachable; `none`: no network at all. */
  readonly network: 'mirrors' | 'none';
  /** Whether the stage gets the user-script resource limits (memory, CPU, pids, wall clock). */
  readonly limited: boolean;
  readonly instructions: readonly string[];
  /** Context files this stage COPYs (by contextPath); their content is part of the stage's cache key. */
  readonly contextFiles: readonly string[];
}

export interface ResolvedPackages {
  /** Distro package names (with pins in the distro's syntax), de-duplicated, in install order. */
  readonly install: readonly string[];
  /** Requested names this distro does not offer, each with why; they produce warnings, not errors. */
  readonly unavailable: readonly { readonly name: string; readonly reason: string }[];
}

export interface BuildPlan {
  readonly planVersion: 1;
  readonly spec: NormalizedSpec;
  readonly family: DistroFamily;
  readonly base: BaseImagePlan;
  readonly packages: ResolvedPackages;
  readonly files: readonly ContextFile[];
  readonly stages: readonly RecipeStage[];
  /** The full multi-stage Dockerfile (`FROM <base> AS packages` …), for users and the docker backend. */
  readonly dockerfile: string;
  /** Every stage of ARCHITECTURE.md that this build runs, in order. */
  readonly stageOrder: readonly StageName[];
  /** Image tag `lbe/<slug>:<hash12>`. */
  readonly imageTag: string;
  readonly sourceDateEpoch: number;
  /**
   * Kernel command-line parameters for the ISO stage: `defaults.kernelParams` plus what the plan needs
   * (e.g. `apparmor=1 security=apparmor`). Validated tokens, in order, without duplicates.
   */
  readonly kernelParams: readonly string[];
  /** Services the configure stage enables / masks (names as the init system knows them), for manifests. */
  readonly services: { readonly enabled: readonly string[]; readonly disabled: readonly string[] };
  readonly warnings: readonly PlanIssue[];
  /**
   * sha256 (hex) of the canonical JSON (keys sorted recursively) of everything above except `hash` itself and
   * `imageTag` (which is derived from the hash).
   */
  readonly hash: string;
}
