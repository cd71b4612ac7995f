/**
 * argv builders for GNU `tar` (Debian package tar).
 *
 *   deterministic archive: tar -C <dir> --sort=name --mtime=@<sde> --clamp-mtime --numeric-owner
 *     --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime [--zstd] -cf <out> .
 *     (--zstd: tar starts `zstd` itself and pipes into it; see zstdEnv for its level and threads)
 *     in: a directory; out: the tarball (member order, mtimes ≤ SOURCE_DATE_EPOCH and owners are stable, so
 *     the same tree gives the same bytes); exit 0 ok, 1 some files changed while read, 2 fatal.
 *   list: tar -tf <file> → one member per line on stdout.
 *   extract: tar -C <dir> --numeric-owner -xpf <file>.
 */

export const TAR = 'tar';

export function deterministicTarArgs(
  dir: string,
  outTar: string,
  sourceDateEpoch: number,
  compress?: 'zstd',
): string[] {
  return [
    '-C',
    dir,
    '--sort=name',
    `--mtime=@${sourceDateEpoch}`,
    '--clamp-mtime',
    '--numeric-owner',
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    ...(compress === 'zstd' ? ['--zstd'] : []),
    '-cf',
    outTar,
    '.',
  ];
}

export function tarListArgs(file: string): string[] {
  return ['-tf', file];
}

export function tarExtractArgs(file: string, dir: string): string[] {
  return ['-C', dir, '--numeric-owner', '-xpf', file];
}
