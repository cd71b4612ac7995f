import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLbeError, type LbeError } from '../../src/errors/index.js';
import { runBuild } from '../../src/executor/build.pipeline.js';
import { handPlan } from './fixtures/hand-plan.fixture.js';
import { createHarness, leftovers, storageMounts, type Harness } from './executor.harness.js';

/**
 * Failure paths of REAL buildah builds: each must fail with the right error code, the tool's own words, and
 * leave nothing behind (containers, mounts, temp dirs, partial artifacts). The script cases share one cached
 * packages stage (curl), so each costs a few seconds.
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

const SECRET = 'hub-token-5f2a9c81';

describe('buildah: failing builds', () => {
  let h: Harness;
  // The image store is shared with other suites (and with killed processes): only this suite's leftovers count.
  let before: readonly string[] = [];
  let mountsBefore: readonly string[] = [];
  beforeAll(async () => {
    h = await createHarness();
    before = await h.builder.listContainers();
    mountsBefore = await storageMounts();
  });
  afterAll(async () => {
    await h.cleanup();
  });

  const script = (name: string, body: string) => handPlan({ name, packages: ['curl'], scripts: [body] });

  it('an unknown package fails the packages stage with apt’s own error', async () => {
    const err = await failure(
      runBuild(handPlan({ name: 'f-pkg', packages: ['no-such-package-lbe'] }), h.options('pkg')),
    );
    expect(err.code).toBe('LBE_BUILD_PACKAGES_FAILED');
    expect(err.message).toContain('E: Unable to locate package no-such-package-lbe');
    expect(err.details.stage).toBe('packages');
    expect(await readdir(join(h.dir, 'pkg'))).toEqual(['build.log']);
  });

  it('a postInstall script that exits 1 surfaces its output, with secrets masked', async () => {
    const err = await failure(
      runBuild(
        script('f-exit', `echo "about to fail with ${SECRET}"; exit 1`),
        h.options('exit', { secrets: [SECRET] }),
      ),
    );
    expect(err.code).toBe('LBE_BUILD_SCRIPT_FAILED');
    expect(err.message).toContain('about to fail with ***');
    expect(err.message).not.toContain(SECRET);
    const log = await readFile(join(h.dir, 'exit', 'build.log'), 'utf8');
    expect(log).toContain('[scripts] about to fail with ***');
    expect(log).not.toContain(SECRET);
  });

  it('a postInstall script has no network', async () => {
    const err = await failure(
      runBuild(
        script('f-net', 'getent hosts deb.debian.org || { echo "no-network-here"; exit 1; }'),
        h.options('net'),
      ),
    );
    expect(err.code).toBe('LBE_BUILD_SCRIPT_FAILED');
    expect(err.message).toContain('no-network-here');
  });

  it('a postInstall script is killed at the memory limit', async () => {
    const err = await failure(
      runBuild(
        script('f-mem', 'dd if=/dev/zero bs=300M count=1 of=/dev/null'),
        h.options('mem', { limits: { memory: '64m', cpus: 1, pids: 100, timeoutMs: 120_000 } }),
      ),
    );
    expect(err.code).toBe('LBE_BUILD_SCRIPT_FAILED');
    expect(err.details.oom).toBe(true);
  });

  it('a postInstall script cannot fork past the pids limit', async () => {
    const err = await failure(
      runBuild(
        script('f-pids', 'for i in $(seq 200); do sleep 3 & done; wait'),
        h.options('pids', { limits: { memory: '512m', cpus: 1, pids: 50, timeoutMs: 120_000 } }),
      ),
    );
    expect(err.code).toBe('LBE_BUILD_SCRIPT_FAILED');
    expect(err.message).toMatch(/Cannot fork|Resource temporarily unavailable/);
  });

  it('a postInstall script that runs too long times out', async () => {
    const t0 = Date.now();
    const err = await failure(
      runBuild(
        script('f-time', 'sleep 120'),
        h.options('time', { limits: { memory: '512m', cpus: 1, pids: 100, timeoutMs: 4000 } }),
      ),
    );
    expect(err.code).toBe('LBE_BUILD_TIMEOUT');
    expect(err.details.stage).toBe('scripts');
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('cancelling during the packages stage stops at once and cleans up', async () => {
    const controller = new AbortController();
    const t0 = Date.now();
    let abortedAt = 0;
    const err = await failure(
      runBuild(handPlan({ name: 'f-cancel', packages: ['nginx-light', 'python3'] }), {
        ...h.options('cancel', { signal: controller.signal, force: true }),
        onProgress: (p) => {
          if (p.step === 'packages') {
            setTimeout(() => {
              abortedAt = Date.now();
              controller.abort();
            }, 3000);
          }
        },
      }),
    );
    expect(err.code).toBe('LBE_BUILD_CANCELLED');
    expect(err.details.stage).toBe('packages');
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(15_000);
    expect(await readdir(join(h.dir, 'cancel'))).toEqual(['build.log']);
    console.log(`cancelled ${Date.now() - abortedAt} ms after abort (build ran ${abortedAt - t0} ms)`);
  });

  it('leaves no working containers, mounts or temp dirs behind', async () => {
    expect((await h.builder.listContainers()).filter((c) => !before.includes(c))).toEqual([]);
    expect((await storageMounts()).filter((m) => !mountsBefore.includes(m))).toEqual([]);
    expect(await leftovers(h.tmp)).toEqual([]);
  });
});
