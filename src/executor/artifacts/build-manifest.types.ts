/**
 * `manifest.json`: what was built, from what, with which tools, how long each stage took and what came from
 * a cache. Written once per successful build; covered by SHA256SUMS. Wall-clock fields (`builtAt`, timings)
 * make it differ between two builds of the same key; everything else is reproducible.
 */
export interface StageRecord {
  readonly name: string;
  /** Stage cache key (RUN stages) — equal keys mean equal inputs. */
  readonly key?: string;
  readonly imageId?: string;
  readonly cacheHit: boolean;
  readonly durationMs: number;
}

/** `live.iso` as the ISO stage wrote it (present when `outputs.iso`). */
export interface IsoRecord {
  readonly file: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly squashfsBytes: number;
  /** squashfs compression, e.g. `zstd-3`. */
  readonly compression: string;
  readonly volumeId: string;
  /** The kernel the ISO boots, from /boot/vmlinuz-<release>. */
  readonly kernelRelease: string;
  readonly kernelParams: readonly string[];
  /** False when the UEFI image's FAT serial could not be pinned (the ISO is then not byte-reproducible). */
  readonly efiSerialPinned: boolean;
  readonly durationMs: number;
}

/** One QEMU boot of `live.iso`. */
export interface BootRunRecord {
  readonly firmware: 'BIOS' | 'UEFI';
  readonly accel: 'kvm' | 'tcg';
  readonly result: 'passed' | 'failed';
  /** `login`: the prompt (and every expected text) appeared; `timeout`; `exited`: QEMU stopped by itself. */
  readonly reason: 'login' | 'timeout' | 'exited';
  /** From QEMU's start to the login prompt (or to the failure). */
  readonly durationMs: number;
  /** Texts seen on the serial console besides `login:` (e.g. `<hostname> login:`). */
  readonly matched: readonly string[];
}

/**
 * The boot test of `outputs.bootTest`: every firmware booted in turn. A manifest is only written for a
 * successful build, and a failed boot fails the build, so a manifest's `result` is always `passed`; the type
 * keeps `failed` for callers that record a failed run elsewhere.
 */
export interface BootTestRecord {
  readonly ran: true;
  readonly result: 'passed' | 'failed';
  readonly firmware: readonly ('BIOS' | 'UEFI')[];
  readonly durationMs: number;
  readonly runs: readonly BootRunRecord[];
}

export interface BuildManifest {
  readonly manifestVersion: 1;
  readonly name: string;
  readonly imageTag: string;
  readonly specHash: string;
  readonly planHash: string;
  readonly buildKey: string;
  readonly engineVersion: string;
  readonly backend: string;
  readonly sourceDateEpoch: number;
  readonly builtAt: string;
  readonly base: {
    readonly distro: string;
    readonly release: string;
    readonly architecture: string;
    readonly ref: string;
    readonly imageId: string;
    readonly source: string;
    readonly origin: string;
  };
  readonly imageId: string;
  /** Installed packages as the built rootfs' package database reports them (name, version, arch). */
  readonly packages: readonly { readonly name: string; readonly version: string; readonly arch: string }[];
  readonly requestedPackages: readonly string[];
  readonly tools: Readonly<Record<string, string>>;
  readonly stages: readonly StageRecord[];
  readonly artifacts: readonly string[];
  readonly registry?: { readonly reference: string; readonly digest: string };
  /** Present when the spec asked for `outputs.iso`. */
  readonly iso?: IsoRecord;
  /** Present when the spec asked for `outputs.bootTest`: which firmware booted, how long, the result. */
  readonly bootTest?: BootTestRecord;
  readonly warnings: readonly string[];
}
