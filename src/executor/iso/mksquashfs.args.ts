/**
 * argv builder for `mksquashfs` (squashfs-tools 4.5+).
 *
 *   mksquashfs <rootfsDir> <out> -noappend -comp <algo> [-Xcompression-level N | -Xhc]
 *              -all-root -mkfs-time <epoch> -all-time <epoch> -no-progress -quiet -processors <n>
 *              -wildcards -e proc/* sys/* dev/* run/* tmp/* var/cache/apt/archives/*.deb
 *   in: an unpacked root filesystem; out: a squashfs image with every file owned by root and every time
 *   set to SOURCE_DATE_EPOCH (mksquashfs is reproducible by default since 4.4: same tree + options → same
 *   bytes). The contents of /proc, /sys, /dev, /run and /tmp and apt's cached .deb files are left out, the
 *   directories stay.
 *   Exit 0 ok; 1 on any error (message on stderr). `-e` must stay last: everything after it is a pattern.
 */

export const MKSQUASHFS = 'mksquashfs';

export type SquashfsAlgorithm = 'zstd' | 'lz4' | 'gzip' | 'xz';

export interface SquashfsCompression {
  readonly algorithm: SquashfsAlgorithm;
  /** zstd 1..22, gzip 1..9; lz4: any level selects its high-compression mode; xz: not accepted. */
  readonly level?: number;
}

/**
 * The default, chosen by measurement on the 647 MiB Debian live rootfs with 2 cores (docs/iso.md):
 * zstd -3 takes 1.8 s for 221 MiB, xz 65.5 s for 182 MiB, zstd -19 86.5 s for 196 MiB. The ~40 MiB that
 * xz saves cost a minute per build (boot time with an xz root image was not measured).
 */
export const DEFAULT_SQUASHFS_COMPRESSION: SquashfsCompression = { algorithm: 'zstd', level: 3 };

const LEVEL_RANGE: Readonly<Record<SquashfsAlgorithm, readonly [number, number] | undefined>> = {
  zstd: [1, 22],
  gzip: [1, 9],
  lz4: [1, 12],
  xz: undefined,
};

/** Why `compression` is invalid, or undefined when it is fine. */
export function squashfsCompressionProblem(compression: SquashfsCompression): string | undefined {
  const { algorithm, level } = compression;
  if (level === undefined) return undefined;
  const range = LEVEL_RANGE[algorithm];
  if (range === undefined) return `${algorithm} takes no compression level`;
  if (!Number.isInteger(level) || level < range[0] || level > range[1]) {
    return `${algorithm} level must be an integer in ${range[0]}..${range[1]}`;
  }
  return undefined;
}

/**
 * Left out of the live root image: the contents of the pseudo and scratch file systems, and the package files
 * apt left in its cache (on an mmdebstrap base nothing cleans them: ~85 MiB for a kernel + live-boot image).
 */
export const SQUASHFS_EXCLUDES = [
  'proc/*',
  'sys/*',
  'dev/*',
  'run/*',
  'tmp/*',
  'var/cache/apt/archives/*.deb',
] as const;

export function mksquashfsArgs(input: {
  readonly rootfsDir: string;
  readonly outFile: string;
  readonly compression: SquashfsCompression;
  readonly sourceDateEpoch: number;
  readonly processors: number;
}): string[] {
  const { algorithm, level } = input.compression;
  const levelArgs =
    level === undefined ? [] : algorithm === 'lz4' ? ['-Xhc'] : ['-Xcompression-level', String(level)];
  const epoch = String(input.sourceDateEpoch);
  return [
    input.rootfsDir,
    input.outFile,
    '-noappend',
    '-comp',
    algorithm,
    ...levelArgs,
    '-all-root',
    '-mkfs-time',
    epoch,
    '-all-time',
    epoch,
    '-no-progress',
    '-quiet',
    '-processors',
    String(input.processors),
    '-wildcards',
    '-e',
    ...SQUASHFS_EXCLUDES,
  ];
}
