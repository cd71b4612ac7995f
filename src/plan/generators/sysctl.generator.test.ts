import { describe, expect, it } from 'vitest';
import { specOf } from '../testing/spec.fixture.js';
import { planSysctl, renderSysctlConfig, sysctlSettings } from './sysctl.generator.js';

describe('sysctl', () => {
  it('contains exactly the listed keys, named ones with their known values, key=value verbatim', () => {
    const spec = specOf({
      securityFeatures: {
        kernelHardening: ['kernel.kptr_restrict', 'fs.suid_dumpable', 'vm.max_map_count=262144'],
      },
    });
    const settings = sysctlSettings(spec);
    expect([...settings]).toEqual([
      ['kernel.kptr_restrict', '2'],
      ['fs.suid_dumpable', '0'],
      ['vm.max_map_count', '262144'],
    ]);
    const lines = renderSysctlConfig(settings)
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toEqual(['kernel.kptr_restrict = 2', 'fs.suid_dumpable = 0', 'vm.max_map_count = 262144']);
  });

  it('adds systemTuning values and writes no file when nothing is set', () => {
    const tuned = specOf({ postInstall: { systemTuning: { swappiness: 5, vfsCachePressure: 75 } } });
    expect([...sysctlSettings(tuned)]).toEqual([
      ['vm.swappiness', '5'],
      ['vm.vfs_cache_pressure', '75'],
    ]);
    expect(sysctlSettings(specOf({ postInstall: { systemTuning: true } })).get('vm.swappiness')).toBe('10');
    expect(planSysctl(specOf({}))).toEqual({});
  });
});
