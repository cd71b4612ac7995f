import { describe, expect, it } from 'vitest';
import { parseElToritoReport } from './el-torito.report.js';
import { grubMkrescueArgs, isoTimestamp } from './grub-mkrescue.args.js';
import { livePackagesFor } from './iso-packages.js';
import { mksquashfsArgs, squashfsCompressionProblem } from './mksquashfs.args.js';
import { qemuBootArgs } from './qemu.args.js';

describe('mksquashfsArgs', () => {
  it('pins times and owners and keeps the exclude list last', () => {
    const args = mksquashfsArgs({
      rootfsDir: '/r',
      outFile: '/o.sqfs',
      compression: { algorithm: 'zstd', level: 3 },
      sourceDateEpoch: 1700000000,
      processors: 2,
    });
    expect(args.slice(0, 2)).toEqual(['/r', '/o.sqfs']);
    expect(args.join(' ')).toContain(
      '-comp zstd -Xcompression-level 3 -all-root -mkfs-time 1700000000 -all-time 1700000000',
    );
    expect(args.slice(args.indexOf('-e'))).toEqual([
      '-e',
      'proc/*',
      'sys/*',
      'dev/*',
      'run/*',
      'tmp/*',
      'var/cache/apt/archives/*.deb',
    ]);
  });

  it('validates levels per algorithm', () => {
    expect(squashfsCompressionProblem({ algorithm: 'zstd', level: 19 })).toBeUndefined();
    expect(squashfsCompressionProblem({ algorithm: 'zstd', level: 23 })).toMatch(/1\.\.22/);
    expect(squashfsCompressionProblem({ algorithm: 'gzip', level: 0 })).toMatch(/1\.\.9/);
    expect(squashfsCompressionProblem({ algorithm: 'xz', level: 6 })).toMatch(/no compression level/);
    expect(squashfsCompressionProblem({ algorithm: 'lz4' })).toBeUndefined();
  });
});

describe('grubMkrescueArgs', () => {
  it('overrides grub-mkrescue’s own dates with SOURCE_DATE_EPOCH after --', () => {
    expect(isoTimestamp(1700000000)).toBe('2023111422132000');
    const args = grubMkrescueArgs({
      isoRoot: '/iso',
      outFile: '/out.iso',
      volumeId: 'WEB',
      sourceDateEpoch: 1700000000,
    });
    expect(args.slice(0, 3)).toEqual(['--output=/out.iso', '/iso', '--']);
    expect(args.join(' ')).toContain('-volid WEB');
    expect(args.join(' ')).toContain('-volume_date uuid 2023111422132000');
    expect(args.join(' ')).toContain('-volume_date all_file_dates =1700000000');
  });
});

describe('parseElToritoReport', () => {
  it('reads the BIOS and UEFI images of a grub-mkrescue ISO', () => {
    const out = [
      'El Torito catalog  : 1628  1',
      'El Torito images   :   N  Pltf  B   Emul  Ld_seg  Hdpt  Ldsiz         LBA',
      'El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4        2974',
      'El Torito boot img :   2  UEFI  y   none  0x0000  0x00   5760          73',
      'El Torito img path :   1  /boot/grub/i386-pc/eltorito.img',
    ].join('\n');
    expect(parseElToritoReport(out)).toEqual([
      { platform: 'BIOS', bootable: true, loadSectors: 4, lba: 2974 },
      { platform: 'UEFI', bootable: true, loadSectors: 5760, lba: 73 },
    ]);
  });
});

describe('qemuBootArgs', () => {
  it('boots headless from the CD with the serial port on stdio, OVMF only for UEFI', () => {
    const bios = qemuBootArgs({ iso: '/x.iso', accel: 'tcg', memoryMb: 1024, cpus: 2 });
    expect(bios.join(' ')).toBe(
      '-accel tcg -m 1024 -smp 2 -nographic -monitor none -serial stdio -parallel none -nic none -no-reboot -cdrom /x.iso',
    );
    const uefi = qemuBootArgs({ iso: '/x.iso', accel: 'tcg', memoryMb: 1024, cpus: 2, ovmf: '/OVMF.fd' });
    expect(uefi.slice(-2)).toEqual(['-bios', '/OVMF.fd']);
  });
});

describe('livePackagesFor', () => {
  it('debian: the verified list, every kernel choice on linux-image-amd64', () => {
    expect(livePackagesFor('debian', 'linux')).toEqual({
      packages: ['linux-image-amd64', 'live-boot', 'systemd-sysv', 'login'],
      warnings: [],
      verifiedBoot: true,
    });
    expect(livePackagesFor('debian', 'linux-lts').warnings).toEqual([]);
    const zen = livePackagesFor('debian', 'linux-zen');
    expect(zen.packages[0]).toBe('linux-image-amd64');
    expect(zen.warnings[0]).toMatch(/linux-zen is not available on debian/);
  });

  it('arch has every flavour; the others warn that they are recipe-only', () => {
    expect(livePackagesFor('arch', 'linux-hardened').packages[0]).toBe('linux-hardened');
    for (const base of ['ubuntu', 'arch', 'alpine', 'fedora', 'opensuse', 'void', 'gentoo'] as const) {
      const p = livePackagesFor(base, 'linux');
      expect(p.verifiedBoot).toBe(false);
      expect(p.warnings.some((w) => w.includes('boot-tested'))).toBe(true);
      expect(p.packages.length).toBeGreaterThan(1);
    }
  });
});
