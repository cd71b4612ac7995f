import { rename, rm } from 'node:fs/promises';
import type { ProcessRunner } from '../process/process-runner.js';
import { TAR, deterministicTarArgs } from '../tools/tar.tool.js';
import { runTool } from '../tools/tool.invocation.js';
import { zstdEnv } from '../tools/zstd.tool.js';

/**
 * `rootfs.tar.zst` from an unpacked root filesystem: a deterministic tar (sorted names, mtimes clamped to
 * SOURCE_DATE_EPOCH, numeric owners, POSIX format without atime/ctime) compressed by zstd level 3 with
 * `threads` workers. One `tar --zstd` process: tar pipes into the `zstd` it starts itself, configured through
 * ZSTD_CLEVEL / ZSTD_NBTHREADS (no intermediate .tar on disk, no shell string; ~40 % faster than tar then zstd
 * here). The same tree gives the same bytes. Contract: writes `outFile` (replacing it); a partial file is
 * removed on failure.
 */
export async function writeRootfsArchive(
  runner: ProcessRunner,
  rootfsDir: string,
  outFile: string,
  sourceDateEpoch: number,
  options: { readonly signal?: AbortSignal; readonly threads?: number } = {},
): Promise<void> {
  const partial = `${outFile}.partial`;
  try {
    await runTool(runner, TAR, deterministicTarArgs(rootfsDir, partial, sourceDateEpoch, 'zstd'), {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      env: zstdEnv(options.threads ?? 2),
      timeoutMs: 30 * 60_000,
      captureStdout: false,
    });
    await rename(partial, outFile);
  } finally {
    await rm(partial, { force: true });
  }
}

/** `context.tar`: the build context, deterministic the same way (uncompressed; it is small). */
export async function writeContextArchive(
  runner: ProcessRunner,
  contextDir: string,
  outFile: string,
  sourceDateEpoch: number,
  signal?: AbortSignal,
): Promise<void> {
  await runTool(runner, TAR, deterministicTarArgs(contextDir, outFile, sourceDateEpoch), {
    ...(signal === undefined ? {} : { signal }),
    timeoutMs: 10 * 60_000,
  });
}
