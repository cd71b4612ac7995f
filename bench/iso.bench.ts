/**
 * ISO benchmark: `npx tsx bench/iso.bench.ts [--rootfs DIR] [--no-boot] [--uefi]`
 *
 * On a root filesystem (default: the cached Debian bookworm live fixture of test/iso, built on first use)
 * it measures, one run each, sequentially:
 *   1. mksquashfs with each candidate compression (time, size) — the table in docs/iso.md;
 *   2. rootfs → ISO with buildLiveIso's default compression (time, size), twice, comparing sha256;
 *   3. boot to `login:` in QEMU (BIOS; with --uefi also UEFI), unless --no-boot.
 * BASELINE: plain `mksquashfs <rootfs> <out> -comp xz -processors 2` (what live-build and most live ISO
 * scripts use); every squashfs time is printed with its ratio to that baseline's time.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bootTest } from '../src/executor/iso/boot-test.js';
import { buildLiveIso } from '../src/executor/iso/live-iso.builder.js';
import {
  DEFAULT_SQUASHFS_COMPRESSION,
  mksquashfsArgs,
  type SquashfsCompression,
} from '../src/executor/iso/mksquashfs.args.js';
import { NodeProcessRunner } from '../src/executor/process/process-runner.js';
import { liveRootfsFixture } from '../test/iso/live-rootfs.fixture.js';

const { values } = parseArgs({
  options: {
    rootfs: { type: 'string' },
    'no-boot': { type: 'boolean', default: false },
    uefi: { type: 'boolean', default: false },
  },
});
const runner = new NodeProcessRunner();
const EPOCH = 1_700_000_000;

const CANDIDATES: readonly { readonly label: string; readonly compression: SquashfsCompression }[] = [
  { label: 'xz (baseline)', compression: { algorithm: 'xz' } },
  { label: 'zstd -1', compression: { algorithm: 'zstd', level: 1 } },
  { label: 'zstd -3', compression: { algorithm: 'zstd', level: 3 } },
  { label: 'zstd -19', compression: { algorithm: 'zstd', level: 19 } },
  { label: 'lz4', compression: { algorithm: 'lz4' } },
  { label: 'lz4 -Xhc', compression: { algorithm: 'lz4', level: 9 } },
  { label: 'gzip -9 (default)', compression: { algorithm: 'gzip' } },
  { label: 'gzip -1', compression: { algorithm: 'gzip', level: 1 } },
];

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const sec = (ms: number): string => (ms / 1000).toFixed(1);

const rootfs = values.rootfs ?? (await liveRootfsFixture(runner));
const work = await mkdtemp(path.join(tmpdir(), 'lbe-iso-bench-'));
try {
  console.log(`rootfs: ${rootfs}`);
  const du = await runner.run('du', ['-sb', '--exclude=./proc', rootfs], { timeoutMs: 120_000 });
  console.log(`rootfs size: ${mib(Number(du.stdout.split('\t')[0]))} MiB\n`);

  console.log('| compression | time (s) | size (MiB) | time / xz |');
  console.log('|---|---:|---:|---:|');
  let baselineMs = 0;
  for (const { label, compression } of CANDIDATES) {
    const out = path.join(work, 'bench.squashfs');
    const started = Date.now();
    await runner.run(
      'mksquashfs',
      mksquashfsArgs({ rootfsDir: rootfs, outFile: out, compression, sourceDateEpoch: EPOCH, processors: 2 }),
      { timeoutMs: 30 * 60_000 },
    );
    const ms = Date.now() - started;
    if (baselineMs === 0) baselineMs = ms;
    const size = (await stat(out)).size;
    await rm(out);
    console.log(`| ${label} | ${sec(ms)} | ${mib(size)} | ${(ms / baselineMs).toFixed(2)} |`);
  }

  const def = DEFAULT_SQUASHFS_COMPRESSION;
  console.log(`\nISO with the default compression (${def.algorithm} ${def.level ?? ''}):`);
  const shas: string[] = [];
  let isoPath = '';
  for (const name of ['a.iso', 'b.iso']) {
    const r = await buildLiveIso(
      {
        rootfsDir: rootfs,
        outFile: path.join(work, name),
        workDir: path.join(work, 'scratch'),
        volumeId: 'LBE_BENCH',
        kernelParams: [],
        sourceDateEpoch: EPOCH,
      },
      runner,
    );
    shas.push(r.sha256);
    isoPath = r.isoPath;
    console.log(
      `  ${name}: ${mib(r.sizeBytes)} MiB in ${sec(r.timings.totalMs)} s (squashfs ${sec(r.timings.squashfsMs)} s, ` +
        `grub-mkrescue ${sec(r.timings.isoMs)} s); ISO build / xz squashfs alone = ${(r.timings.totalMs / baselineMs).toFixed(2)}`,
    );
  }
  console.log(`  reproducible: ${shas[0] === shas[1] ? 'yes' : 'NO'} (${shas.join(' vs ')})`);

  if (!values['no-boot']) {
    for (const uefi of values.uefi ? [false, true] : [false]) {
      const b = await bootTest({ iso: isoPath, uefi, timeoutMs: 600_000 });
      console.log(
        `  boot to login (${uefi ? 'UEFI' : 'BIOS'}, ${b.accel}): ${b.ok ? `${sec(b.durationMs)} s` : `FAILED (${b.reason})`}`,
      );
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
