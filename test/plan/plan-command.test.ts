import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/cli-output.js';
import { registerPlanCommand } from '../../src/cli/commands/plan.command.js';

const SPECS = join(import.meta.dirname, '../golden/specs');

/** Runs `lbe plan …` in-process; returns the exit code and what went to stdout and stderr. */
async function lbePlan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const program = new Command('lbe').exitOverride();
    registerPlanCommand(program);
    const code = await runCli(program, ['node', 'lbe', 'plan', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('lbe plan', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbe-plan-cli-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the Dockerfile, the context and plan.json, and prints the hash', async () => {
    const spec = join(dir, 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        ...JSON.parse(readFileSync(join(SPECS, 'backup-users-files.json'), 'utf8')),
        base: 'debian',
      }),
    );
    const out = join(dir, 'out');
    const r = await lbePlan(spec, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    expect(r.stdout.trim()).toBe(plan.hash);
    expect(readFileSync(join(out, 'Dockerfile'), 'utf8')).toBe(plan.dockerfile);
    expect(existsSync(join(out, 'lbe/configure.sh'))).toBe(true);
    expect(readFileSync(join(out, 'rootfs/home/alice/.ssh/authorized_keys'), 'utf8')).toContain(
      'ssh-ed25519 ',
    );
    expect(statSync(join(out, 'rootfs/etc/lbe/backup.env')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(out, 'rootfs/usr/local/bin/hello'), 'utf8')).toBe('#!/bin/sh\necho hello\n');
    expect(r.stderr).toContain('warning: customization.dotfiles');
  });

  it('exits 2 with one line per problem for an invalid spec', async () => {
    const spec = join(dir, 'bad.yaml');
    writeFileSync(spec, 'name: x\nbase: debian\nusers:\n  - name: Bad Name\n');
    const r = await lbePlan(spec, '--out', join(dir, 'out'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('users[0].name:');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('--json prints a summary', async () => {
    const spec = join(dir, 'spec.yaml');
    writeFileSync(spec, 'name: tiny\nbase: alpine\n');
    const r = await lbePlan(spec, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      family: 'alpine',
      imageTag: expect.stringMatching(/^lbe\/tiny:/),
    });
  });
});
