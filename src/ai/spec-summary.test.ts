import { describe, expect, it } from 'vitest';
import { assertValidSpec } from '../spec/index.js';
import { summarizeSpec } from './spec-summary.js';

describe('summarizeSpec', () => {
  it('states base, packages, outputs; notes that non-Debian bases are not verified here', () => {
    const { spec } = assertValidSpec({
      name: 'tiny',
      base: 'alpine',
      packages: Array.from({ length: 14 }, (_, i) => `pkg${i}`),
      outputs: { docker: true, iso: true },
    });
    const summary = summarizeSpec(spec);
    expect(summary.split('\n')[0]).toBe('tiny: alpine 3.20 (x86_64, openrc)');
    expect(summary).toContain('Packages (14): pkg0, pkg1');
    expect(summary).toContain('and 2 more');
    expect(summary).toContain('Outputs: OCI image, live ISO');
    expect(summary).toContain('only Debian builds are verified');
    expect(summarizeSpec(spec)).toBe(summary);
  });
});
