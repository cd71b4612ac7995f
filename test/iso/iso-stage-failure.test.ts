import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLbeError, type LbeError } from '../../src/errors/index.js';
import { runBuild } from '../../src/executor/build.pipeline.js';
import { createIsoSteps } from '../../src/executor/iso/iso.steps.js';
import type { BuildPlan } from '../../src/plan/plan.types.js';
import { handPlan } from '../executor/fixtures/hand-plan.fixture.js';
import { createHarness, leftovers, type Harness } from '../executor/executor.harness.js';

/**
 * A failing ISO stage fails the build when the spec asked for the ISO (the original quietly succeeded
 * without it). REAL buildah builds of a small Debian plan with no kernel in it: the image, rootfs and SBOM
 * are made, then the ISO step finds no /boot/vmlinuz and the build must fail in stage `iso` with
 * LBE_BUILD_ISO_FAILED, leaving only build.log. The packages stage (curl) is shared with the other
 * failure suites' cache, so each case costs an export (~20 s).
 */

async function failure(promise: Promise<unknown>): Promise<LbeError> {
  try {
    await promise;
  } catch (err) {
    if (isLbeError(err)) return err;
    throw err;
  }
  throw new Error('the build succeeded but should have failed');
}

function withIso(p: BuildPlan, bootTest = false): BuildPlan {
  return { ...p, spec: { ...p.spec, outputs: { ...p.spec.outputs, iso: true, bootTest } } };
}

describe('buildah: a failing ISO stage', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('an image without a kernel fails the build in stage iso, with no artifacts but build.log', async () => {
    const steps = createIsoSteps(h.runner, { bootTimeoutMs: 60_000 });
    const err = await failure(
      runBuild(
        withIso(handPlan({ name: 'iso-no-kernel', packages: ['curl'] }), true),
        h.options('no-kernel', { force: true, iso: steps.iso, bootTest: steps.bootTest }),
      ),
    );
    expect(err.code).toBe('LBE_BUILD_ISO_FAILED');
    expect(err.details.stage).toBe('iso');
    expect(err.message).toMatch(/no \/boot\/vmlinuz-<release>.*was the kernel package installed\?/);
    expect(await readdir(join(h.dir, 'no-kernel'))).toEqual(['build.log']);
    const log = await readFile(join(h.dir, 'no-kernel', 'build.log'), 'utf8');
    expect(log).toMatch(/build failed in iso: \[LBE_BUILD_ISO_FAILED\]/);
  });

  it('outputs.iso without an ISO builder fails before the build starts instead of skipping the ISO', async () => {
    const err = await failure(
      runBuild(withIso(handPlan({ name: 'iso-no-builder', packages: ['curl'] })), h.options('no-builder')),
    );
    expect(err.code).toBe('LBE_BUILD_ISO_FAILED');
    expect(err.details.stage).toBe('iso');
    expect(await readdir(join(h.dir, 'no-builder'))).toEqual(['build.log']);
    const log = await readFile(join(h.dir, 'no-builder', 'build.log'), 'utf8');
    expect(log).not.toContain('stage packages');
  });

  // Working containers and mounts are checked by build-failures.test.ts; the shared store may hold another
  // running build's here, so only this suite's own temp dir is checked.
  it('leaves no temp dirs behind', async () => {
    expect(await leftovers(h.tmp)).toEqual([]);
  });
});
