import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDirPrefix } from '../../src/executor/process/process-scratch.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'lbe.js');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly errLines: string[];
}

/** Runs the real `lbe` binary in a child process. */
function lbe(...args: string[]): Run {
  return lbeWithEnv({}, ...args);
}

function lbeWithEnv(env: Record<string, string>, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    errLines: r.stderr.split('\n').filter((l) => l !== ''),
  };
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lbe-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lbe validate', () => {
  it('a valid example: exit 0, "valid" summary on stdout, nothing on stderr', () => {
    const r = lbe('validate', 'examples/debian-minimal.yaml');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^valid: examples\/debian-minimal\.yaml \(debian bookworm, systemd, 1 packages, 0 warnings\)/,
    );
    expect(r.stderr).toBe('');
  });

  it("reports the recipe's warnings too, as lbe plan does", async () => {
    const file = join(dir, 'sudo.yaml');
    await writeFile(file, 'name: s\nbase: debian\nusers: [{name: ops, sudo: true}]\n');
    const r = lbe('validate', file);
    expect(r.status).toBe(0);
    expect(r.errLines).toEqual([
      'warning: users[0]: ops has sudo but no passwordHash and no sudoNoPassword, so sudo cannot be used',
    ]);
    expect(r.stdout).toMatch(/^valid: .*1 warnings/);
  });

  it('warnings go to stderr as "warning: path: message" and the exit code stays 0', async () => {
    const file = join(dir, 'warn.yaml');
    await writeFile(file, 'name: w\nbase: debian\narchitecture: aarch64\nkernel: {version: linux-zen}\n');
    const r = lbe('validate', file);
    expect(r.status).toBe(0);
    expect(r.errLines).toEqual([
      expect.stringMatching(/^warning: architecture: aarch64 builds produce the recipe/),
      expect.stringMatching(/^warning: kernel\.version: linux-zen is not packaged for debian/),
    ]);
    expect(r.stdout).toMatch(/^valid: .*2 warnings/);
  });

  it('an invalid spec: exit 2, one "path: message" line per problem on stderr', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'name: bad',
        'base: debian',
        'colour: red',
        'users:',
        '  - name: Admin',
        '    sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKIAycsk2DbnK0Uyfyzl+7zA3jjx1VfFE+SLLr4n29Ni", "nope"]',
        '',
      ].join('\n'),
    );
    const r = lbe('validate', file);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.errLines).toEqual([
      'users[0].name: must be a user name: lowercase letter or _, then up to 31 of a-z 0-9 _ -',
      'users[0].sshAuthorizedKeys[1]: must be an OpenSSH public key line (ssh-ed25519, ssh-rsa, ecdsa-sha2-*, sk-*) without options',
      'colour: is not a known field (unknown keys are not allowed)',
      `invalid: ${file} (3 problems)`,
    ]);
  });

  it('compatibility errors also exit 2', async () => {
    const file = join(dir, 'compat.json');
    await writeFile(
      file,
      JSON.stringify({ name: 'c', base: 'alpine', init: 'systemd', outputs: { bootTest: true } }),
    );
    const r = lbe('validate', file);
    expect(r.status).toBe(2);
    expect(r.errLines).toContain('init: systemd is not available on alpine; allowed: openrc, s6');
    expect(r.errLines).toContain('outputs.bootTest: boots the live ISO, so it needs outputs.iso: true');
  });

  it('a parse error exits 2 with file, line and column', async () => {
    const file = join(dir, 'dup.yaml');
    await writeFile(file, 'name: a\nbase: debian\nname: b\n');
    const r = lbe('validate', file);
    expect(r.status).toBe(2);
    expect(r.errLines[0]).toBe(`error: ${file}: line 3, column 1: Map keys must be unique`);
  });

  it('a missing file exits 2', () => {
    const r = lbe('validate', join(dir, 'missing.yaml'));
    expect(r.status).toBe(2);
    expect(r.errLines[0]).toMatch(/^error: .*missing\.yaml: the spec file could not be read \(ENOENT\)/);
  });

  it('--json prints one document for machines, with the same exit codes', async () => {
    const ok = lbe('validate', '--json', 'examples/debian-minimal.yaml');
    expect(ok.status).toBe(0);
    const okDoc = JSON.parse(ok.stdout) as { valid: boolean; spec: { release: string; init: string } };
    expect(okDoc.valid).toBe(true);
    expect(okDoc.spec).toMatchObject({ release: 'bookworm', init: 'systemd' });

    const file = join(dir, 'bad.json');
    await writeFile(file, '{"name": "x", "base": "plan9"}');
    const bad = lbe('validate', file, '--json');
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({
      valid: false,
      errors: [
        {
          path: 'base',
          message: 'must be one of arch, debian, ubuntu, alpine, fedora, opensuse, void, gentoo',
        },
      ],
      warnings: [],
    });
  });

  it('usage errors exit 2', () => {
    expect(lbe('validate').status).toBe(2);
    expect(lbe('frobnicate').status).toBe(2);
  });
});

describe('lbe presets and lbe init', () => {
  it('lists every preset with a description', () => {
    const r = lbe('presets');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^developer-workstation\s{2,}\S/);
    const json = JSON.parse(lbe('presets', '--json').stdout) as { name: string }[];
    expect(json.map((p) => p.name)).toContain('production-server');
  });

  it('init writes a spec that validates, and refuses to overwrite it without --force', async () => {
    const file = join(dir, 'server.yaml');
    const first = lbe('init', '--preset', 'production-server', '--out', file);
    expect(first.status).toBe(0);
    expect(await readFile(file, 'utf8')).toMatch(/^# production-server: /);
    expect(lbe('validate', file).status).toBe(0);

    const again = lbe('init', '--preset', 'minimal-server', '--out', file);
    expect(again.status).toBe(1);
    expect(again.errLines[0]).toBe(`error: ${file} already exists; use --force to overwrite it`);
    expect(await readFile(file, 'utf8')).toMatch(/^# production-server: /);

    const forced = lbe('init', '--preset', 'minimal-server', '--out', file, '--force');
    expect(forced.status).toBe(0);
    expect(await readFile(file, 'utf8')).toMatch(/^# minimal-server: /);
  });

  it('init --format json (or a .json file) writes JSON', async () => {
    const file = join(dir, 'edge.json');
    expect(lbe('init', '--preset', 'edge-device', '--out', file).status).toBe(0);
    expect((JSON.parse(await readFile(file, 'utf8')) as { base: string }).base).toBe('alpine');
    const stdout = lbe('init', '--preset', 'pentesting', '--format', 'json');
    expect((JSON.parse(stdout.stdout) as { name: string }).name).toBe('pentesting');
  });

  it('an unknown preset exits 2 naming the known ones', () => {
    const r = lbe('init', '--preset', 'nope');
    expect(r.status).toBe(2);
    expect(r.errLines[0]).toMatch(/^error: No preset named "nope"; known presets: developer-workstation, /);
  });
});

describe('lbe build temp dirs', () => {
  it('removes the scratch dir a killed lbe process left, and its own when it ends (even failing)', async () => {
    const base = await mkdtemp(join(tmpdir(), 'lbe-cli-scratch-'));
    try {
      // A process that is gone: a child that ran and was reaped.
      const child = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
      const deadPid = Number(child.stdout.trim());
      const dead = join(base, `${scratchDirPrefix(hostname(), { pid: deadPid, start: 1 })}x1Y2z3`);
      await mkdir(join(dead, 'lbe-build-x', 'rootfs'), { recursive: true });
      await writeFile(join(dead, 'auth.json'), '{}');
      const running = join(base, 'lbe-build-not-ours');
      await mkdir(running);

      // An unreachable Docker API makes the build fail at its first step, after the claim.
      const r = lbeWithEnv(
        { TMPDIR: base, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
        'build',
        'examples/debian-minimal.yaml',
        '--out',
        join(base, 'out'),
        '--backend',
        'docker',
      );
      expect(r.status, r.stderr).toBe(1);
      expect(r.errLines).toContain(`removed the temp dirs of lbe processes that are gone: ${dead}`);
      expect(r.stderr).toContain('LBE_BUILD_ENGINE_UNAVAILABLE');
      const left = await readdir(base);
      expect(left.filter((d) => d.startsWith('lbe-'))).toEqual(['lbe-build-not-ours']);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
