import { LbeError } from '../../errors/index.js';
import type { BuildPlan } from '../../plan/plan.types.js';
import { hostnameOf } from '../../plan/generators/system-identity.generator.js';
import type { BootRunRecord } from '../artifacts/build-manifest.types.js';
import type { BootTestStep, IsoStep } from '../build.pipeline.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { bootTest, bootTestFailure } from './boot-test.js';
import { buildLiveIso } from './live-iso.builder.js';
import { deriveVolumeId } from './volume-id.js';

export interface IsoStepsOptions {
  /** Wall-clock limit of one boot (BIOS or UEFI); QEMU without KVM needs about a minute on two cores. */
  readonly bootTimeoutMs: number;
  /** Boot through OVMF as well as SeaBIOS (default true). */
  readonly uefi?: boolean;
}

/**
 * Bases whose image `buildLiveIso` can turn into a live ISO: it writes live-boot's layout (`boot=live`,
 * live/filesystem.squashfs), which only Debian-family initramfs tooling reads. The other bases get their
 * live packages in the recipe (archiso, dracut dmsquash-live, mkinitfs) but no ISO assembly here.
 */
const LIVE_BOOT_BASES: ReadonlySet<string> = new Set(['debian', 'ubuntu']);

/** LBE_SPEC_INVALID at `outputs.iso` when the plan's base has no ISO assembly here; undefined when it has. */
export function isoUnsupportedError(plan: BuildPlan): LbeError | undefined {
  const base = plan.spec.base;
  if (LIVE_BOOT_BASES.has(base)) return undefined;
  const message =
    `live ISOs are assembled for debian and ubuntu only; ${base}'s live packages are in the recipe ` +
    `(recipe only, not built here): set outputs.iso to false or use base debian`;
  return new LbeError('LBE_SPEC_INVALID', `outputs.iso: ${message}`, {
    issues: [{ path: 'outputs.iso', message }],
    details: { base },
  });
}

/** What the serial console must show besides `login:`: the host name the spec gave, at the prompt. */
export function bootExpectations(plan: BuildPlan): string[] {
  return [`${hostnameOf(plan.spec)} login:`];
}

/**
 * The ISO and boot-test steps `runBuild` calls when `outputs.iso` / `outputs.bootTest` are set:
 * `iso` writes `live.iso` from the exported rootfs (volume id from the spec name, the plan's kernel
 * parameters and SOURCE_DATE_EPOCH) and describes it for manifest.json; it refuses bases it cannot assemble
 * (LBE_SPEC_INVALID at `outputs.iso`). `bootTest` boots it in QEMU on BIOS and then on UEFI, each until
 * `<hostname> login:` appears, and returns the runs for manifest.json; it throws LBE_BUILD_BOOT_TEST_FAILED
 * with the console's last lines when a prompt does not appear in time.
 */
export function createIsoSteps(
  runner: ProcessRunner,
  options: IsoStepsOptions,
): { iso: IsoStep; bootTest: BootTestStep } {
  const iso: IsoStep = async ({ plan, rootfsDir, outFile, workDir, signal, onLine }) => {
    const unsupported = isoUnsupportedError(plan);
    if (unsupported !== undefined) throw unsupported;
    const volumeId = deriveVolumeId(plan.spec.name);
    const result = await buildLiveIso(
      {
        rootfsDir,
        outFile,
        workDir,
        volumeId,
        kernelParams: plan.kernelParams,
        sourceDateEpoch: plan.sourceDateEpoch,
        onLine,
      },
      runner,
      signal,
    );
    onLine(
      `live.iso ${String(result.sizeBytes)} bytes (squashfs ${String(result.squashfsBytes)}, ${result.compression}), ` +
        `kernel ${result.kernelRelease}, sha256 ${result.sha256}, ` +
        `squashfs ${String(result.timings.squashfsMs)} ms, ISO ${String(result.timings.isoMs)} ms`,
    );
    return {
      file: 'live.iso',
      sizeBytes: result.sizeBytes,
      sha256: result.sha256,
      squashfsBytes: result.squashfsBytes,
      compression: result.compression,
      volumeId,
      kernelRelease: result.kernelRelease,
      kernelParams: [...plan.kernelParams],
      efiSerialPinned: result.efiSerialPinned,
    };
  };
  const firmwares = options.uefi === false ? [false] : [false, true];
  const boot: BootTestStep = async ({ plan, isoFile, signal, onLine }) => {
    const started = Date.now();
    const expect = bootExpectations(plan);
    const runs: BootRunRecord[] = [];
    for (const uefi of firmwares) {
      const firmware = uefi ? 'UEFI' : 'BIOS';
      onLine(
        `booting live.iso in QEMU (${firmware}), waiting for ${expect.map((e) => JSON.stringify(e)).join(', ')}`,
      );
      const result = await bootTest(
        {
          iso: isoFile,
          uefi,
          expect,
          timeoutMs: options.bootTimeoutMs,
          onLine: (l) => {
            onLine(`[${firmware}] ${l}`);
          },
        },
        signal,
      );
      if (!result.ok) throw bootTestFailure(result);
      runs.push({
        firmware,
        accel: result.accel,
        result: 'passed',
        reason: result.reason,
        durationMs: result.durationMs,
        matched: result.matched,
      });
      onLine(
        `${firmware} boot reached the login prompt in ${(result.durationMs / 1000).toFixed(1)} s (${result.accel})`,
      );
    }
    return {
      ran: true,
      result: 'passed',
      firmware: runs.map((r) => r.firmware),
      durationMs: Date.now() - started,
      runs,
    };
  };
  return { iso, bootTest: boot };
}
