import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LbeError, isLbeError } from '../../errors/index.js';
import { ToolExitError, type ProcessRunner } from '../process/process-runner.js';
import { runTool } from '../tools/tool.invocation.js';
import { elToritoReportArgs, parseElToritoReport, XORRISO } from './el-torito.report.js';
import { efiSerialFor, pinEfiImageSerial } from './efi-image-serial.js';
import { LIVE_PATHS, renderGrubConfig } from './grub-config.renderer.js';
import { GRUB_MKRESCUE, grubMkrescueArgs } from './grub-mkrescue.args.js';
import { validateKernelParams } from './kernel-params.js';
import {
  DEFAULT_SQUASHFS_COMPRESSION,
  MKSQUASHFS,
  mksquashfsArgs,
  squashfsCompressionProblem,
  type SquashfsCompression,
} from './mksquashfs.args.js';
import { isValidVolumeId } from './volume-id.js';

export interface LiveIsoInput {
  /** Unpacked root filesystem with /boot/vmlinuz-<v>, /boot/initrd.img-<v> and live-boot installed. */
  readonly rootfsDir: string;
  /** Where the ISO ends up; written under a temporary name and renamed, so it never exists half-written. */
  readonly outFile: string;
  /** Scratch space (needs about the ISO's size twice); a private temp dir is made inside and removed. */
  readonly workDir: string;
  /** ISO-9660 volume id, already valid (`deriveVolumeId(spec.name)`). */
  readonly volumeId: string;
  /** spec `defaults.kernelParams` then `kernel.customFlags`; checked again here (LBE_SPEC_INVALID). */
  readonly kernelParams: readonly string[];
  /** SOURCE_DATE_EPOCH: every date inside the ISO and the squashfs. */
  readonly sourceDateEpoch: number;
  readonly compression?: SquashfsCompression;
  /** mksquashfs worker threads (default 2). */
  readonly processors?: number;
  /** GRUB menu timeout in seconds (default 1). */
  readonly grubTimeoutSeconds?: number;
  readonly timeouts?: { readonly squashfsMs?: number; readonly isoMs?: number };
  /** Every output line of the tools, for the build log. */
  readonly onLine?: (line: string) => void;
}

export interface LiveIsoResult {
  readonly isoPath: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly squashfsBytes: number;
  /** The squashfs compression used, e.g. `zstd-3` (`lz4-hc` for lz4 with a level). */
  readonly compression: string;
  /** The kernel release booted by the ISO, from /boot/vmlinuz-<release>. */
  readonly kernelRelease: string;
  /** False when the UEFI image's FAT serial could not be pinned: the ISO is then not byte-reproducible. */
  readonly efiSerialPinned: boolean;
  readonly timings: { readonly squashfsMs: number; readonly isoMs: number; readonly totalMs: number };
}

const DEFAULT_SQUASHFS_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_ISO_TIMEOUT_MS = 10 * 60_000;

/**
 * Turns a root filesystem into a hybrid live ISO (BIOS + UEFI, live-boot layout):
 *   1. mksquashfs rootfs → live/filesystem.squashfs (dates and owners pinned, /proc /sys /dev /run /tmp empty)
 *   2. kernel and initrd → live/vmlinuz, live/initrd.img; boot/grub/grub.cfg (serial console)
 *   3. grub-mkrescue → ISO; the El Torito report must list a BIOS and a UEFI image
 *   4. the UEFI image's random FAT serial is pinned, so equal inputs give byte-equal ISOs
 * Blocks until the ISO is complete. Owns its temp dir (removed in every case, and grub-mkrescue's TMPDIR
 * points inside it). Errors: LBE_SPEC_INVALID for bad kernel parameters; LBE_BUILD_CANCELLED on abort;
 * LBE_BUILD_TIMEOUT; LBE_BUILD_TOOL_MISSING; everything else LBE_BUILD_ISO_FAILED, with the tool's last
 * output lines in `details.tail`.
 */
export async function buildLiveIso(
  input: LiveIsoInput,
  runner: ProcessRunner,
  signal?: AbortSignal,
): Promise<LiveIsoResult> {
  const started = Date.now();
  const kernelParams = validateKernelParams(input.kernelParams);
  const compression = input.compression ?? DEFAULT_SQUASHFS_COMPRESSION;
  checkInput(input, compression);
  const kernel = await findKernel(input.rootfsDir);
  await requireLiveBoot(input.rootfsDir);

  await mkdir(input.workDir, { recursive: true });
  const staging = await mkdtemp(path.join(input.workDir, 'lbe-iso-'));
  // Next to the output, so the final rename never crosses file systems.
  const partial = `${input.outFile}.partial`;
  try {
    const isoRoot = path.join(staging, 'iso');
    const tmp = path.join(staging, 'tmp');
    await mkdir(path.join(isoRoot, 'live'), { recursive: true });
    await mkdir(path.join(isoRoot, 'boot', 'grub'), { recursive: true });
    await mkdir(tmp);
    const squashfsFile = path.join(isoRoot, LIVE_PATHS.squashfs);
    const logLine = (line: string): void => input.onLine?.(line);

    const squashStarted = Date.now();
    await step('mksquashfs', () =>
      runTool(
        runner,
        MKSQUASHFS,
        mksquashfsArgs({
          rootfsDir: input.rootfsDir,
          outFile: squashfsFile,
          compression,
          sourceDateEpoch: input.sourceDateEpoch,
          processors: input.processors ?? 2,
        }),
        { timeoutMs: input.timeouts?.squashfsMs ?? DEFAULT_SQUASHFS_TIMEOUT_MS, signal, onLine: logLine },
      ),
    );
    const squashfsMs = Date.now() - squashStarted;
    const squashfsBytes = (await stat(squashfsFile)).size;

    await step('copy kernel', async () => {
      await copyFile(kernel.vmlinuz, path.join(isoRoot, LIVE_PATHS.kernel));
      await copyFile(kernel.initrd, path.join(isoRoot, LIVE_PATHS.initrd));
      await writeFile(
        path.join(isoRoot, 'boot', 'grub', 'grub.cfg'),
        renderGrubConfig({
          volumeId: input.volumeId,
          kernelParams,
          timeoutSeconds: input.grubTimeoutSeconds ?? 1,
        }),
      );
    });

    const isoStarted = Date.now();
    const env = { SOURCE_DATE_EPOCH: String(input.sourceDateEpoch), TMPDIR: tmp };
    const isoTimeout = input.timeouts?.isoMs ?? DEFAULT_ISO_TIMEOUT_MS;
    await step('grub-mkrescue', () =>
      runTool(
        runner,
        GRUB_MKRESCUE,
        grubMkrescueArgs({
          isoRoot,
          outFile: partial,
          volumeId: input.volumeId,
          sourceDateEpoch: input.sourceDateEpoch,
        }),
        { env, timeoutMs: isoTimeout, signal, onLine: logLine },
      ),
    );
    const report = await step('xorriso -report_el_torito', () =>
      runTool(runner, XORRISO, elToritoReportArgs(partial), { env, timeoutMs: 60_000, signal }),
    );
    const images = parseElToritoReport(report.stdout);
    const efi = images.find((i) => i.platform === 'UEFI');
    if (!images.some((i) => i.platform === 'BIOS') || efi === undefined) {
      throw new LbeError(
        'LBE_BUILD_ISO_FAILED',
        'the ISO lacks a BIOS or a UEFI boot image: are grub-pc-bin and grub-efi-amd64-bin installed?',
        { details: { images } },
      );
    }
    const efiSerialPinned = await step('pin EFI serial', () =>
      pinEfiImageSerial(partial, efi.lba, efiSerialFor(input.volumeId, input.sourceDateEpoch)),
    );
    const isoMs = Date.now() - isoStarted;

    await step('move ISO', () => rename(partial, input.outFile));
    const [sizeBytes, sha256] = await Promise.all([
      stat(input.outFile).then((s) => s.size),
      sha256File(input.outFile),
    ]);
    return {
      isoPath: input.outFile,
      sizeBytes,
      sha256,
      squashfsBytes,
      compression: compressionName(compression),
      kernelRelease: kernel.release,
      efiSerialPinned,
      timings: { squashfsMs, isoMs, totalMs: Date.now() - started },
    };
  } finally {
    await rm(partial, { force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

function compressionName(c: SquashfsCompression): string {
  if (c.level === undefined) return c.algorithm;
  return c.algorithm === 'lz4' ? 'lz4-hc' : `${c.algorithm}-${String(c.level)}`;
}

function checkInput(input: LiveIsoInput, compression: SquashfsCompression): void {
  const problems: string[] = [];
  if (!isValidVolumeId(input.volumeId))
    problems.push(`volume id ${JSON.stringify(input.volumeId)} is not A-Z 0-9 _ (1-32)`);
  if (
    !Number.isSafeInteger(input.sourceDateEpoch) ||
    input.sourceDateEpoch < 0 ||
    input.sourceDateEpoch > 253402300799
  ) {
    problems.push(`sourceDateEpoch ${input.sourceDateEpoch} is not a time between 1970 and 9999`);
  }
  const compressionProblem = squashfsCompressionProblem(compression);
  if (compressionProblem !== undefined) problems.push(compressionProblem);
  if (input.processors !== undefined && (!Number.isInteger(input.processors) || input.processors < 1)) {
    problems.push('processors must be a positive integer');
  }
  if (problems.length > 0) {
    throw new LbeError('LBE_BUILD_ISO_FAILED', `invalid ISO input: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
}

interface KernelFiles {
  readonly release: string;
  readonly vmlinuz: string;
  readonly initrd: string;
}

/** The newest /boot/vmlinuz-<release> that has a matching /boot/initrd.img-<release>. */
export async function findKernel(rootfsDir: string): Promise<KernelFiles> {
  const boot = path.join(rootfsDir, 'boot');
  const names = await readdir(boot).catch((err: unknown) => {
    throw new LbeError('LBE_BUILD_ISO_FAILED', `the root filesystem has no readable /boot: ${String(err)}`, {
      cause: err,
    });
  });
  const releases = names
    .filter((n) => n.startsWith('vmlinuz-') && names.includes(`initrd.img-${n.slice('vmlinuz-'.length)}`))
    .map((n) => n.slice('vmlinuz-'.length))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  const release = releases[0];
  if (release === undefined) {
    throw new LbeError(
      'LBE_BUILD_ISO_FAILED',
      'the root filesystem has no /boot/vmlinuz-<release> with a matching initrd.img: was the kernel package installed?',
      { details: { boot: names } },
    );
  }
  return {
    release,
    vmlinuz: path.join(boot, `vmlinuz-${release}`),
    initrd: path.join(boot, `initrd.img-${release}`),
  };
}

/** live-boot's scripts must be in the rootfs (and therefore in its initramfs), or the ISO cannot boot. */
async function requireLiveBoot(rootfsDir: string): Promise<void> {
  for (const dir of ['usr/lib/live/boot', 'lib/live/boot']) {
    const found = await stat(path.join(rootfsDir, dir)).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (found) return;
  }
  throw new LbeError(
    'LBE_BUILD_ISO_FAILED',
    'live-boot is not installed in the root filesystem (no /usr/lib/live/boot): add the live packages to the recipe',
  );
}

/**
 * Runs one step and maps its failure: cancellation, timeouts, missing tools and spec errors keep their code
 * (they decide the job's fate); a tool's bad exit and anything else become LBE_BUILD_ISO_FAILED with the
 * tool's output tail.
 */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ToolExitError) {
      throw new LbeError('LBE_BUILD_ISO_FAILED', `${name} failed with exit code ${err.exitCode}`, {
        details: { step: name, exitCode: err.exitCode, tail: err.tail },
        cause: err,
      });
    }
    if (isLbeError(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new LbeError('LBE_BUILD_ISO_FAILED', `${name} failed: ${message}`, {
      details: { step: name },
      cause: err,
    });
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
