/**
 * Rough weights of the build steps for `onProgress` percentages: the packages stage dominates (downloads,
 * dpkg), exporting (image.tar, rootfs copy, SBOM, rootfs.tar.zst) comes next. Percentages only ever grow.
 */
export type BuildStep = 'base' | 'packages' | 'configure' | 'scripts' | 'export' | 'iso' | 'publish' | 'done';

const WEIGHTS: Readonly<Record<Exclude<BuildStep, 'done'>, number>> = {
  base: 15,
  packages: 40,
  configure: 8,
  scripts: 7,
  export: 20,
  iso: 8,
  publish: 2,
};

export interface BuildProgress {
  readonly step: BuildStep;
  /** 0–100, monotonic over one build. */
  readonly pct: number;
}

/** Percentage at the START of `step`, given the steps this build runs (in order). */
export function progressAt(step: BuildStep, steps: readonly Exclude<BuildStep, 'done'>[]): number {
  if (step === 'done') return 100;
  const total = steps.reduce((sum, s) => sum + WEIGHTS[s], 0);
  let before = 0;
  for (const s of steps) {
    if (s === step) break;
    before += WEIGHTS[s];
  }
  return total === 0 ? 0 : Math.min(99, Math.round((before / total) * 100));
}
