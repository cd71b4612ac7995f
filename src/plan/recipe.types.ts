import type { InitSystem } from '../spec/spec.schema.js';
import type { NormalizedSpec } from '../spec/spec.normalize.js';
import type { BaseImagePlan, DistroFamily } from './plan.types.js';

/** Inputs of `plan()` that do not come from the spec. Both are optional; see plan.service.ts for defaults. */
export interface PlanOptions {
  /** Debian mirror for mmdebstrap and the packages stage (Debian only). Default http://deb.debian.org/debian. */
  readonly debianMirror?: string;
  /** Used when the spec has no `sourceDateEpoch`. */
  readonly sourceDateEpoch?: number;
}

export type LoginShell = 'bash' | 'zsh' | 'fish';

/** What makes the image a bootable live system (ISO stage). Names are distro package names. */
export interface LivePackages {
  readonly packages: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Everything that differs between distro families, as data and small pure functions. Contract: every
 * method is pure; names returned are either distro package names or abstract names of `package-map.ts`
 * (the resolver maps both); shell lines returned are complete POSIX sh lines in which every non-constant
 * value is already escaped.
 */
export interface Recipe {
  readonly family: DistroFamily;
  /** The registry image (and how to bootstrap it when the registry is unreachable). */
  baseImage(spec: NormalizedSpec, options: PlanOptions): BaseImagePlan;
  /**
   * The shell command of the single `RUN` of the packages stage: refresh metadata, install `words` (already
   * shell words), clean caches, all in one layer and with no `|| true`: a failed install fails the build.
   */
  installCommand(words: readonly string[]): string;
  /** `name` pinned to `version` in this manager's syntax; undefined when the manager cannot pin. */
  pin(name: string, version: string): string | undefined;
  /** Packages every image of this family gets (TLS roots at least). */
  readonly basePackages: readonly string[];
  /** What the init system needs to be present in an image made from a container base. */
  initPackages(init: InitSystem): readonly string[];
  /** Packages providing useradd/groupadd/usermod when the base image lacks them. */
  readonly accountPackages: readonly string[];
  /** Group whose members may use sudo on this family (`sudo` on Debian, `wheel` elsewhere). */
  readonly sudoGroup: string;
  /** The OpenSSH server's service name for the family's init system. */
  readonly sshService: string;
  /** Absolute path of a login shell once its package is installed. */
  shellPath(shell: LoginShell): string;
  /** The image's default command (`CMD`). */
  readonly defaultCommand: string;
  /** File that sets the system locale (`LANG=…`). */
  readonly localeFile: string;
  /** Packages needed so `locale` exists (empty for C/POSIX/C.UTF-8). */
  localePackages(locale: string): readonly string[];
  /** Configure-script lines that generate `locale` (empty when nothing needs generating). */
  localeCommands(locale: string): readonly string[];
  /** The system-wide zshrc. */
  readonly zshrcPath: string;
  readonly firewall: {
    readonly nftablesService: string;
    readonly ufwService: string;
    readonly iptables: {
      readonly packages: readonly string[];
      readonly rulesV4: string;
      readonly rulesV6: string;
      readonly services: readonly string[];
    };
  };
  /** Cron daemon (used for backups without systemd, or when a cron schedule has no OnCalendar form). */
  readonly cron: { readonly package: string; readonly service: string };
  /** Extra packages fail2ban needs to read the systemd journal. */
  readonly fail2banJournalPackages: readonly string[];
  /** runit: where service directories live and where enabled ones are linked. */
  readonly runit: { readonly serviceDir: string; readonly enabledDir: string };
  /** Kernel and live-boot packages for `outputs.iso`. */
  livePackages(spec: NormalizedSpec): LivePackages;
  /**
   * True when the distro's sshd does not generate missing host keys at start (Debian/Ubuntu): the plan
   * then removes the keys baked in at install time and adds a first-boot unit that runs `ssh-keygen -A`.
   */
  readonly needsHostKeyService: boolean;
}
