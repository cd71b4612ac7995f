import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildManifest } from '../../src/executor/artifacts/build-manifest.types.js';
import { runBuild, type BuildResult } from '../../src/executor/build.pipeline.js';
import { createIsoSteps } from '../../src/executor/iso/iso.steps.js';
import { plan } from '../../src/plan/index.js';
import { validateSpec } from '../../src/spec/index.js';
import { createHarness, type Harness } from '../executor/executor.harness.js';

/**
 * "If it builds, it boots", through the product's own path: a small Debian spec is validated, planned by
 * `plan()` (which adds the kernel and live-boot for `outputs.iso`) and built by `runBuild` with buildah and
 * the ISO and boot-test steps `lbe build` uses (`createIsoSteps`). The build itself boots live.iso in QEMU
 * (TCG unless KVM works) on BIOS and then on UEFI (OVMF), each until `<hostname> login:`; the test then
 * reads both consoles from build.log for the hostname and the content of a spec `files` entry (/etc/issue,
 * with a fresh marker, printed by agetty just before the prompt), and manifest.json for the boot record.
 * Finally `lbe boot-test` is run on the same ISO with a text that never appears and a short timeout.
 * One build, two boots: about 2 min of build with the stages cached (kernel + live-boot ~3 min more on a
 * cold cache), 2 × 60–100 s of boot, 30 s of failing boot.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOST = 'lbe-e2e-host';
const marker = `LBE-E2E-${randomBytes(4).toString('hex')}`;
const BOOT_TIMEOUT_MS = 600_000;
/** Build (cold: kernel + live-boot packages) and two boots on a loaded 2-core machine fit well within this. */
const BUILD_AND_BOOT_TIMEOUT_MS = 40 * 60_000;

let h: Harness;
let result: BuildResult;
let log: string;
let manifest: BuildManifest;

/** Console lines the boot step logged for one firmware (`[boot-test] [BIOS] <line>`). */
function consoleOf(firmware: 'BIOS' | 'UEFI'): string[] {
  const prefix = `[boot-test] [${firmware}] `;
  return log
    .split('\n')
    .map((l) => l.slice(l.indexOf(' ') + 1))
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real `lbe` CLI from source, in a child process. */
async function lbe(args: readonly string[], timeoutMs: number): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  h = await createHarness();
  const validation = validateSpec({
    name: 'lbe-iso-e2e',
    base: 'debian',
    release: 'bookworm',
    hostname: HOST,
    packages: [],
    files: [{ path: '/etc/issue', content: `lbe e2e ${marker} \\n \\l\n\n` }],
    outputs: { docker: false, iso: true, bootTest: true },
  });
  if (!validation.ok) throw new Error(JSON.stringify(validation.errors));
  const buildPlan = plan(validation.spec);
  const runner = h.runner;
  const steps = createIsoSteps(runner, { bootTimeoutMs: BOOT_TIMEOUT_MS });
  const t0 = Date.now();
  result = await runBuild(
    buildPlan,
    h.options('out', { force: true, iso: steps.iso, bootTest: steps.bootTest }),
  );
  log = await readFile(join(result.outDir, 'build.log'), 'utf8');
  manifest = JSON.parse(await readFile(join(result.outDir, 'manifest.json'), 'utf8')) as BuildManifest;
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `build + 2 boots in ${s(Date.now() - t0)}: ` +
      result.stages
        .map((st) => `${st.name} ${s(st.durationMs)}${st.cacheHit ? ' (cached)' : ''}`)
        .join(', ') +
      `; live.iso ${String(manifest.iso?.sizeBytes)} bytes; ` +
      (manifest.bootTest?.runs ?? [])
        .map((r) => `${r.firmware} login in ${s(r.durationMs)} (${r.accel})`)
        .join(', '),
  );
}, BUILD_AND_BOOT_TIMEOUT_MS);

afterAll(async () => {
  await h.cleanup();
});

describe('a planned Debian spec with outputs.iso and outputs.bootTest, built by runBuild', () => {
  it('writes live.iso next to the other artifacts, listed in SHA256SUMS and manifest.json', async () => {
    const files = await readdir(result.outDir);
    expect(files).toEqual(expect.arrayContaining(['live.iso', 'manifest.json', 'SHA256SUMS', 'build.log']));
    expect(await readFile(join(result.outDir, 'SHA256SUMS'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}live\.iso$/m);
    expect(manifest.artifacts).toContain('live.iso');
    expect(manifest.iso).toMatchObject({
      file: 'live.iso',
      volumeId: 'LBE_ISO_E2E',
      compression: 'zstd-3',
      efiSerialPinned: true,
    });
    expect(manifest.iso?.kernelRelease).toMatch(/-amd64$/);
    expect(manifest.iso?.sizeBytes).toBeGreaterThan(100 * 1024 * 1024);
  });

  it('boots on BIOS (SeaBIOS) to the spec’s /etc/issue and `<hostname> login:`', () => {
    const lines = consoleOf('BIOS');
    expect(lines.some((l) => l.includes(`lbe e2e ${marker} ${HOST} ttyS0`))).toBe(true);
    expect(log).toMatch(/BIOS boot reached the login prompt in [\d.]+ s/);
  });

  it('boots on UEFI (OVMF) to the spec’s /etc/issue and `<hostname> login:`', () => {
    const lines = consoleOf('UEFI');
    expect(lines.some((l) => l.includes(`lbe e2e ${marker} ${HOST} ttyS0`))).toBe(true);
    expect(log).toMatch(/UEFI boot reached the login prompt in [\d.]+ s/);
  });

  it('records the boot test in manifest.json: ran, both firmwares, passed, durations', () => {
    const boot = manifest.bootTest;
    expect(boot).toMatchObject({ ran: true, result: 'passed', firmware: ['BIOS', 'UEFI'] });
    expect(boot?.runs.map((r) => [r.firmware, r.result, r.reason, r.matched])).toEqual([
      ['BIOS', 'passed', 'login', [`${HOST} login:`]],
      ['UEFI', 'passed', 'login', [`${HOST} login:`]],
    ]);
    for (const run of boot?.runs ?? []) expect(run.durationMs).toBeGreaterThan(1000);
    expect(manifest.stages.map((s) => s.name)).toEqual(
      expect.arrayContaining(['export', 'iso', 'boot-test']),
    );
  });

  it('`lbe boot-test --expect` of a text that never appears fails with the console’s last lines', async () => {
    const iso = join(result.outDir, 'live.iso');
    const r = await lbe(['boot-test', iso, '--expect', 'NEVER-SHOWN-TEXT', '--timeout', '25'], 120_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const errLines = r.stderr.split('\n').filter((l) => l !== '');
    expect(errLines.at(-1)).toMatch(
      new RegExp(`^failed: .*live\\.iso \\(BIOS, (tcg|kvm)\\): no login:, NEVER-SHOWN-TEXT within 25 s`),
    );
    // The console's tail comes first: at most 50 lines, and something was printed by the firmware or kernel.
    expect(errLines.length).toBeGreaterThan(1);
  });
});
