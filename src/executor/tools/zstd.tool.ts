/**
 * argv builder for `zstd` (Debian package zstd).
 *
 *   zstd -q -T<threads> -<level> --rm -f <in> -o <out>
 *   in: a file; out: <out> compressed (the input is removed on success); exit 0 ok, 1 error.
 *   Output is deterministic for the same input, level and zstd version (multithreading does not change it).
 */

export const ZSTD = 'zstd';

export function zstdCompressArgs(input: string, output: string, threads = 2, level = 3): string[] {
  return ['-q', `-T${threads}`, `-${level}`, '--rm', '-f', input, '-o', output];
}

/**
 * Environment for a `zstd` that another tool starts (`tar --zstd`): zstd ≥ 1.5 reads its level and worker
 * count from ZSTD_CLEVEL and ZSTD_NBTHREADS. Same output as `zstd -T<threads> -<level>` on a stream.
 */
export function zstdEnv(threads = 2, level = 3): Record<string, string> {
  return { ZSTD_CLEVEL: String(level), ZSTD_NBTHREADS: String(threads) };
}
