import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elToritoReportArgs, parseElToritoReport } from '../../src/executor/iso/el-torito.report.js';
import { buildLiveIso, type LiveIsoResult } from '../../src/executor/iso/live-iso.builder.js';
import { deriveVolumeId } from '../../src/executor/iso/volume-id.js';
import { NodeProcessRunner } from '../../src/executor/process/process-runner.js';
import { liveRootfsFixture } from './live-rootfs.fixture.js';

/**
 * The real thing, no mocks: a Debian bookworm rootfs with the recipe's live packages (cached), a copy with a
 * host name and an /etc/issue carrying a fresh marker, one ISO, its El Torito report and a rebuild for
 * reproducibility. About 15 s once the fixture is cached. The BIOS and UEFI boots are proven on an ISO that
 * the product's own pipeline built, in iso-build.e2e.test.ts, so they are not repeated here.
 */
const runner = new NodeProcessRunner();
const HOST = 'lbe-iso-test';
const SOURCE_DATE_EPOCH = 1_700_000_000;
const marker = `LBE-MARKER-${randomBytes(4).toString('hex')}`;
let work = '';
let rootfs: string;
let iso: LiveIsoResult;

async function buildIso(outName: string): Promise<LiveIsoResult> {
  return buildLiveIso(
    {
      rootfsDir: rootfs,
      outFile: path.join(work, outName),
      workDir: path.join(work, 'scratch'),
      volumeId: deriveVolumeId('lbe iso test'),
      kernelParams: ['systemd.show_status=1'],
      sourceDateEpoch: SOURCE_DATE_EPOCH,
    },
    runner,
  );
}

beforeAll(async () => {
  const cached = await liveRootfsFixture(runner);
  work = await mkdtemp(path.join(tmpdir(), 'lbe-iso-test-'));
  rootfs = path.join(work, 'rootfs');
  await runner.run('cp', ['-a', '--reflink=auto', cached, rootfs], { timeoutMs: 300_000 });
  await writeFile(path.join(rootfs, 'etc/hostname'), `${HOST}\n`);
  // agetty prints /etc/issue just before the prompt; `\n` expands to the host name, `\l` to the tty.
  await writeFile(path.join(rootfs, 'etc/issue'), `lbe live test ${marker} \\n \\l\n\n`);
  iso = await buildIso('live.iso');
  console.log(
    `ISO ${iso.sizeBytes} bytes (squashfs ${iso.squashfsBytes}) in ${iso.timings.totalMs} ms; sha256 ${iso.sha256}`,
  );
});

afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true });
});

describe('live ISO from a Debian bookworm rootfs', () => {
  it('has a BIOS and a UEFI El Torito boot image', async () => {
    const report = await runner.run('xorriso', elToritoReportArgs(iso.isoPath), { timeoutMs: 60_000 });
    const platforms = parseElToritoReport(report.stdout).map((i) => i.platform);
    expect(platforms).toEqual(expect.arrayContaining(['BIOS', 'UEFI']));
    expect(iso.efiSerialPinned).toBe(true);
    expect(iso.kernelRelease).toMatch(/-amd64$/);
  });

  it('rebuilds byte for byte from the same rootfs and SOURCE_DATE_EPOCH', async () => {
    const again = await buildIso('live-again.iso');
    expect(again.sha256).toBe(iso.sha256);
  });
});
