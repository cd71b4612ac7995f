import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLbeError, type LbeError } from '../../errors/index.js';
import { plan } from '../../plan/index.js';
import { specOf } from '../../plan/testing/spec.fixture.js';
import { NodeProcessRunner } from '../process/process-runner.js';
import { bootExpectations, createIsoSteps, isoUnsupportedError } from './iso.steps.js';

async function rejection(promise: Promise<unknown>): Promise<LbeError> {
  try {
    await promise;
  } catch (err) {
    if (isLbeError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('ISO steps', () => {
  it('assemble Debian and Ubuntu; refuse recipe-only bases with a spec error at outputs.iso', () => {
    expect(isoUnsupportedError(plan(specOf({ base: 'debian', outputs: { iso: true } })))).toBeUndefined();
    expect(isoUnsupportedError(plan(specOf({ base: 'ubuntu', outputs: { iso: true } })))).toBeUndefined();
    for (const base of ['arch', 'fedora', 'alpine', 'opensuse', 'void', 'gentoo']) {
      const err = isoUnsupportedError(plan(specOf({ base, outputs: { iso: true } })));
      expect(err?.code).toBe('LBE_SPEC_INVALID');
      expect(err?.isUserError).toBe(true);
      expect(err?.issues).toEqual([
        {
          path: 'outputs.iso',
          message: expect.stringContaining(`${base}'s live packages are in the recipe`),
        },
      ]);
      expect(err?.message).toMatch(/^outputs\.iso: live ISOs are assembled for debian and ubuntu only/);
    }
  });

  it('the iso step refuses an arch plan before touching the rootfs', async () => {
    const steps = createIsoSteps(new NodeProcessRunner(), { bootTimeoutMs: 1000 });
    const err = await rejection(
      steps.iso({
        plan: plan(specOf({ base: 'arch', outputs: { iso: true } })),
        rootfsDir: '/nonexistent',
        outFile: '/nonexistent/live.iso',
        workDir: '/nonexistent',
        onLine: () => undefined,
      }),
    );
    expect(err.code).toBe('LBE_SPEC_INVALID');
    expect(err.issues[0]?.path).toBe('outputs.iso');
  });

  it('the boot test waits for the spec’s host name at the login prompt (the slug when none is set)', () => {
    expect(bootExpectations(plan(specOf({ name: 'Web Box', hostname: 'web1' })))).toEqual(['web1 login:']);
    expect(bootExpectations(plan(specOf({ name: 'Web Box' })))).toEqual(['web-box login:']);
  });

  it('the boot-test step fails the build (LBE_BUILD_BOOT_TEST_FAILED) when there is no ISO to boot', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lbe-iso-steps-'));
    try {
      const steps = createIsoSteps(new NodeProcessRunner(), { bootTimeoutMs: 1000 });
      const err = await rejection(
        steps.bootTest({
          plan: plan(specOf({ outputs: { iso: true, bootTest: true } })),
          isoFile: path.join(dir, 'live.iso'),
          onLine: () => undefined,
        }),
      );
      expect(err.code).toBe('LBE_BUILD_BOOT_TEST_FAILED');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
