import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLbeError } from '../../errors/index.js';
import { bootTest, bootTestFailure } from './boot-test.js';

/**
 * The failure paths of bootTest with the real QEMU, in seconds: a 1 MiB file of zeros is no bootable
 * CD, so SeaBIOS loops without ever printing `login:`. No QEMU may outlive the call.
 */
let dir = '';
let notAnIso = '';

function qemuChildren(): number {
  const out = execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('qemu-system')).length;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lbe-boot-test-'));
  notAnIso = path.join(dir, 'zeros.iso');
  await writeFile(notAnIso, Buffer.alloc(1024 * 1024));
});

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('bootTest failure paths (real QEMU)', () => {
  it('times out with ok=false, the console tail, and QEMU gone', async () => {
    const r = await bootTest({ iso: notAnIso, timeoutMs: 4000, accel: 'tcg' });
    expect(r).toMatchObject({ ok: false, reason: 'timeout', loginPromptSeen: false });
    expect(r.lastLines.join('\n')).toMatch(/SeaBIOS|Boot failed/);
    expect(qemuChildren()).toBe(0);
    const err = bootTestFailure(r);
    expect(err.code).toBe('LBE_BUILD_BOOT_TEST_FAILED');
    expect(err.message).toMatch(/^the ISO did not show login: within \d+ s$/);
    expect(err.details.tail).toEqual(r.lastLines);
  });

  it('rejects with LBE_BUILD_CANCELLED on abort and leaves no QEMU behind', async () => {
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 1000);
    const started = Date.now();
    const err: unknown = await bootTest(
      { iso: notAnIso, timeoutMs: 60_000, accel: 'tcg' },
      controller.signal,
    ).catch((e: unknown) => e);
    expect(isLbeError(err) && err.code).toBe('LBE_BUILD_CANCELLED');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(qemuChildren()).toBe(0);
  });

  it('reports a missing ISO and a missing QEMU binary', async () => {
    const missing: unknown = await bootTest({ iso: path.join(dir, 'nope.iso'), timeoutMs: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(isLbeError(missing) && missing.code).toBe('LBE_BUILD_BOOT_TEST_FAILED');
    const noQemu: unknown = await bootTest({
      iso: notAnIso,
      timeoutMs: 1000,
      qemuBinary: 'qemu-not-here',
    }).catch((e: unknown) => e);
    expect(isLbeError(noQemu) && noQemu.code).toBe('LBE_BUILD_TOOL_MISSING');
  });
});
