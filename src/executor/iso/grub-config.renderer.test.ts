import { describe, expect, it } from 'vitest';
import { isLbeError } from '../../errors/index.js';
import { renderGrubConfig } from './grub-config.renderer.js';
import { isSafeKernelParam, validateKernelParams } from './kernel-params.js';
import { deriveVolumeId, isValidVolumeId } from './volume-id.js';

describe('renderGrubConfig', () => {
  const cfg = renderGrubConfig({ volumeId: 'WEB_01', kernelParams: ['quiet', 'ipv6.disable=1'] });

  it('puts GRUB on the serial port and the screen', () => {
    expect(cfg).toContain('serial --unit=0 --speed=115200');
    expect(cfg).toContain('terminal_input serial console');
    expect(cfg).toContain('terminal_output serial console');
    expect(cfg).toContain('set timeout=1');
  });

  it('boots live-boot with the serial port as the last (primary) console, then the spec params', () => {
    expect(cfg).toContain(
      '  linux /live/vmlinuz boot=live console=tty0 console=ttyS0,115200 quiet ipv6.disable=1\n',
    );
    expect(cfg).toContain('  initrd /live/initrd.img\n');
    expect(cfg).toContain('menuentry "WEB_01 live" {');
  });

  it('refuses parameters and ids that were not validated', () => {
    expect(() => renderGrubConfig({ volumeId: 'A', kernelParams: ['a;b'] })).toThrow(TypeError);
    expect(() => renderGrubConfig({ volumeId: 'a"b', kernelParams: [] })).toThrow(TypeError);
    expect(() => renderGrubConfig({ volumeId: 'A', kernelParams: [], timeoutSeconds: -1 })).toThrow(
      TypeError,
    );
  });
});

describe('validateKernelParams', () => {
  it.each([
    'a;b',
    '$(x)',
    '${root}',
    '"quoted"',
    "it's",
    'two words',
    'tab\there',
    '-rf',
    '',
    'a\\b',
    'a{b}',
    'a|b',
    'a#b',
    'x'.repeat(257),
  ])('rejects %j', (bad) => {
    expect(isSafeKernelParam(bad)).toBe(false);
    try {
      validateKernelParams(['quiet', bad]);
      expect.unreachable();
    } catch (err) {
      expect(isLbeError(err) && err.code).toBe('LBE_SPEC_INVALID');
      expect(isLbeError(err) && err.issues[0]?.path).toBe('kernelParams[1]');
    }
  });

  it('accepts ordinary parameters and drops duplicates, keeping order', () => {
    expect(
      validateKernelParams([
        'quiet',
        'console=ttyS1,9600n8',
        'root=UUID=ab-12',
        'mitigations=off',
        'quiet',
        'a/b:c@d+e',
      ]),
    ).toEqual(['quiet', 'console=ttyS1,9600n8', 'root=UUID=ab-12', 'mitigations=off', 'a/b:c@d+e']);
  });

  it('lists every bad parameter at once', () => {
    try {
      validateKernelParams(['a b', 'ok', 'c;d']);
      expect.unreachable();
    } catch (err) {
      expect(isLbeError(err) && err.issues.map((i) => i.path)).toEqual([
        'kernelParams[0]',
        'kernelParams[2]',
      ]);
    }
  });
});

describe('deriveVolumeId', () => {
  it.each([
    ['web-server', 'WEB_SERVER'],
    ['  My  Build!! v2 ', 'MY_BUILD_V2'],
    ['café', 'CAFE'],
    ['---', 'LBE_LIVE'],
    ['', 'LBE_LIVE'],
    ['a'.repeat(40), 'A'.repeat(32)],
    [`${'a'.repeat(31)}-b`, 'A'.repeat(31)],
  ])('%j → %j', (name, id) => {
    expect(deriveVolumeId(name)).toBe(id);
    expect(isValidVolumeId(deriveVolumeId(name))).toBe(true);
  });
});
