import { describe, expect, it } from 'vitest';
import { LbeError } from '../errors/index.js';
import { BASES, PACKAGE_GROUPS } from './spec.schema.js';
import { DEFAULT_INIT, DEFAULT_RELEASE } from './spec.normalize.js';
import { assertValidSpec, formatPath, validateSpec, type SpecIssue } from './spec.validate.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKIAycsk2DbnK0Uyfyzl+7zA3jjx1VfFE+SLLr4n29Ni me@host';

function errorsOf(input: unknown): SpecIssue[] {
  const r = validateSpec(input);
  if (r.ok) throw new Error(`expected errors, got a valid spec (warnings: ${JSON.stringify(r.warnings)})`);
  return [...r.errors];
}

function pathsOf(input: unknown): string[] {
  return errorsOf(input).map((e) => e.path);
}

const base = { name: 't', base: 'debian' } as const;

describe('validateSpec: minimal and defaults', () => {
  it('accepts the smallest spec and fills defaults', () => {
    const r = validateSpec({ name: 'Min', base: 'debian' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.release).toBe('bookworm');
    expect(r.spec.init).toBe('systemd');
    expect(r.spec.architecture).toBe('x86_64');
    expect(r.spec.outputs).toEqual({ docker: true, iso: false, rootfs: false, bootTest: false });
    expect(r.spec.slug).toBe('min');
    expect(r.warnings).toEqual([]);
  });

  it.each(BASES)('a spec without init or release is valid for %s (default init per base)', (b) => {
    const r = validateSpec({ name: 'x', base: b });
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (r.ok) {
      expect(r.spec.init).toBe(DEFAULT_INIT[b]);
      expect(r.spec.release).toBe(DEFAULT_RELEASE[b]);
    }
  });

  it('alpine defaults to openrc and void to runit', () => {
    const a = validateSpec({ name: 'x', base: 'alpine' });
    const v = validateSpec({ name: 'x', base: 'void' });
    expect(a.ok && a.spec.init).toBe('openrc');
    expect(v.ok && v.spec.init).toBe('runit');
  });
});

describe('validateSpec: packages in three forms', () => {
  it('list form keeps order, pins and drops duplicates', () => {
    const r = validateSpec({ ...base, packages: ['nginx=1.22.*', 'curl', 'nginx'] });
    expect(r.ok && r.spec.packages).toEqual([{ name: 'nginx', version: '1.22.*' }, { name: 'curl' }]);
  });

  it('groups form records the group of each package', () => {
    const r = validateSpec({ ...base, packages: { servers: ['nginx'], utils: ['htop', 'jq'] } });
    expect(r.ok && r.spec.packages).toEqual([
      { name: 'nginx', group: 'servers' },
      { name: 'htop', group: 'utils' },
      { name: 'jq', group: 'utils' },
    ]);
  });

  it('map form keeps every name set to true and drops the false ones', () => {
    const r = validateSpec({ ...base, packages: { git: true, nano: false, curl: true, 'vim=2:9.0*': true } });
    expect(r.ok && r.spec.packages).toEqual([
      { name: 'git' },
      { name: 'curl' },
      { name: 'vim', version: '2:9.0*' },
    ]);
  });

  it('a map whose keys are group names but values booleans is a map', () => {
    const r = validateSpec({ ...base, packages: { base: true } });
    expect(r.ok && r.spec.packages).toEqual([{ name: 'base' }]);
  });

  it('reports a bad entry in each form with its path', () => {
    expect(pathsOf({ ...base, packages: ['ok', '$(id)'] })).toEqual(['packages[1]']);
    expect(pathsOf({ ...base, packages: { servers: ['nginx', '-oX'] } })).toEqual(['packages.servers[1]']);
    expect(pathsOf({ ...base, packages: { curl: 'yes' } })).toEqual(['packages.curl']);
  });

  it('accepts every group name', () => {
    const packages = Object.fromEntries(PACKAGE_GROUPS.map((g) => [g, ['curl']]));
    expect(validateSpec({ ...base, packages }).ok).toBe(true);
  });
});

describe('validateSpec: unknown keys are errors at every depth', () => {
  it.each([
    [{ ...base, colour: 'red' }, 'colour'],
    [{ ...base, kernel: { version: 'linux', flags: [] } }, 'kernel.flags'],
    [{ ...base, kernel: { modules: { enable: [], load: [] } } }, 'kernel.modules.load'],
    [
      { ...base, securityFeatures: { ssh: { enabled: true, rootLogin: false } } },
      'securityFeatures.ssh.rootLogin',
    ],
    [
      { ...base, securityFeatures: { firewall: { rules: [{ port: 22, dport: 22 }] } } },
      'securityFeatures.firewall.rules[0].dport',
    ],
    [{ ...base, users: [{ name: 'a', password: 'x' }] }, 'users[0].password'],
    [{ ...base, outputs: { qcow2: true } }, 'outputs.qcow2'],
  ])('%#: %s', (input, path) => {
    const errs = errorsOf(input);
    expect(errs).toContainEqual({ path, message: 'is not a known field (unknown keys are not allowed)' });
  });
});

describe('validateSpec: every field reports its path and what is allowed', () => {
  it.each([
    [
      { name: 't', base: 'windows' },
      'base',
      /must be one of arch, debian, ubuntu, alpine, fedora, opensuse, void, gentoo/,
    ],
    [{ base: 'debian' }, 'name', /expected string/],
    [{ name: 'a\u0007b', base: 'debian' }, 'name', /control characters/],
    [{ ...base, description: 'x\u001b[31m' }, 'description', /control characters/],
    [{ ...base, release: 'Bookworm!' }, 'release', /release name/],
    [{ ...base, architecture: 'riscv64' }, 'architecture', /x86_64|aarch64/],
    [{ ...base, init: 'upstart' }, 'init', /systemd/],
    [{ ...base, kernel: { version: 'linux-rt' } }, 'kernel.version', /linux-lts/],
    [{ ...base, kernel: { customFlags: ['a b'] } }, 'kernel.customFlags[0]', /single token/],
    [{ ...base, kernel: { modules: { disable: ['Bad!'] } } }, 'kernel.modules.disable[0]', /kernel module/],
    [{ ...base, filesystem: { type: 'ntfs' } }, 'filesystem.type', /ext4/],
    [{ ...base, display: { server: 'mir' } }, 'display.server', /wayland/],
    [{ ...base, display: { server: 'x11', bar: '$(id)' } }, 'display.bar', /single token/],
    [{ ...base, securityFeatures: { mac: ['tomoyo'] } }, 'securityFeatures.mac[0]', /apparmor/],
    [
      { ...base, securityFeatures: { firewall: { backend: 'pf' } } },
      'securityFeatures.firewall.backend',
      /nftables/,
    ],
    [
      { ...base, securityFeatures: { firewall: { rules: [{ port: 70000 }] } } },
      'securityFeatures.firewall.rules[0].port',
      /1-65535|1 to 65535/,
    ],
    [
      { ...base, securityFeatures: { firewall: { rules: [{ port: '90:80' }] } } },
      'securityFeatures.firewall.rules[0].port',
      /range/,
    ],
    [
      { ...base, securityFeatures: { firewall: { rules: [{ port: 22, source: '10.0.0.0/99' }] } } },
      'securityFeatures.firewall.rules[0].source',
      /CIDR/,
    ],
    [{ ...base, securityFeatures: { ssh: { port: 0 } } }, 'securityFeatures.ssh.port', /1 to 65535/],
    [{ ...base, securityFeatures: { ssh: { banTime: '1 hour' } } }, 'securityFeatures.ssh.banTime', /10m/],
    [
      { ...base, securityFeatures: { kernelHardening: ['kernel.x=$(id)'] } },
      'securityFeatures.kernelHardening[0]',
      /sysctl assignment/,
    ],
    [{ ...base, hostname: 'bad_host' }, 'hostname', /RFC 1123/],
    [{ ...base, hostname: 'a'.repeat(30) + '.' + 'b'.repeat(40) }, 'hostname', /64 characters/],
    [{ ...base, timezone: 'Mars/Olympus Mons' }, 'timezone', /IANA/],
    [{ ...base, locale: 'english' }, 'locale', /en_US.UTF-8/],
    [{ ...base, users: [{ name: 'Bob' }] }, 'users[0].name', /user name/],
    [{ ...base, users: [{ name: 'a', uid: 0 }] }, 'users[0].uid', />=1000|1000/],
    [{ ...base, users: [{ name: 'a', shell: 'bash' }] }, 'users[0].shell', /absolute path/],
    [{ ...base, users: [{ name: 'a', passwordHash: 'hunter2' }] }, 'users[0].passwordHash', /crypt\(3\)/],
    [
      { ...base, users: [{ name: 'a', sshAuthorizedKeys: [KEY, 'ssh-rsa AAAA'] }] },
      'users[0].sshAuthorizedKeys[1]',
      /OpenSSH public key/,
    ],
    [{ ...base, files: [{ path: '/etc/../shadow', content: '' }] }, 'files[0].path', /absolute path/],
    [{ ...base, files: [{ path: '/proc/x', content: '' }] }, 'files[0].path', /\/proc/],
    [
      { ...base, files: [{ path: '/etc/x', content: 'a', base64: 'YQ==' }] },
      'files[0]',
      /exactly one of content or base64/,
    ],
    [{ ...base, files: [{ path: '/etc/x' }] }, 'files[0]', /exactly one of content or base64/],
    [{ ...base, files: [{ path: '/etc/x', base64: 'not base64!' }] }, 'files[0].base64', /base64/],
    [{ ...base, files: [{ path: '/etc/x', content: '', mode: '999' }] }, 'files[0].mode', /octal/],
    [{ ...base, files: [{ path: '/etc/x', content: '', owner: 'root:' }] }, 'files[0].owner', /user:group/],
    [{ ...base, services: { enable: ['nginx; reboot'] } }, 'services.enable[0]', /service name/],
    [{ ...base, backup: { destination: 'ftp://x' } }, 'backup.destination', /s3:\/\//],
    [{ ...base, backup: { destination: '/b', schedule: '@reboot' } }, 'backup.schedule', /cron/],
    [{ ...base, customization: { shell: 'tcsh' } }, 'customization.shell', /zsh/],
    [
      { ...base, customization: { dotfiles: { repo: 'https://evil.com/a/b' } } },
      'customization.dotfiles.repo',
      /github.com/,
    ],
    [{ ...base, postInstall: { scripts: ['echo \u0000'] } }, 'postInstall.scripts[0]', /NUL/],
    [{ ...base, sourceDateEpoch: -1 }, 'sourceDateEpoch', />=0|0/],
  ])('%#: %s → %s', (input, path, message) => {
    const errs = errorsOf(input);
    const hit = errs.find((e) => e.path === path);
    expect(hit, JSON.stringify(errs)).toBeDefined();
    expect(hit?.message).toMatch(message);
  });

  it('reports every problem at once', () => {
    const errs = errorsOf({
      name: '',
      base: 'debian',
      hostname: '-x',
      extra: 1,
      users: [{ name: 'A', sshAuthorizedKeys: ['nope', KEY, 'also nope'] }],
      files: [{ path: 'rel', content: '' }],
      securityFeatures: { ssh: { port: 99999 } },
    });
    expect(errs.map((e) => e.path).sort()).toEqual(
      [
        'name',
        'hostname',
        'extra',
        'users[0].name',
        'users[0].sshAuthorizedKeys[0]',
        'users[0].sshAuthorizedKeys[2]',
        'files[0].path',
        'securityFeatures.ssh.port',
      ].sort(),
    );
  });

  it('reports the compatibility rules together with schema errors', () => {
    const r = validateSpec({
      name: 'x',
      base: 'alpine',
      init: 'systemd',
      colour: 'blue',
      hostname: '-x',
      display: { server: 'x11', compositor: 'hyprland' },
    });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors.map((e) => e.path).sort()).toEqual(
      ['colour', 'display.compositor', 'hostname', 'init'].sort(),
    );
    expect(r.ok ? '' : r.errors.find((e) => e.path === 'init')?.message).toMatch(/openrc/);
  });

  it('drops rule findings that depend on a removed invalid value', () => {
    // display.server is invalid, so "hyprland needs wayland" cannot be judged; base invalid: no rules at all.
    expect(pathsOf({ name: 'x', base: 'arch', display: { server: 'mir', compositor: 'hyprland' } })).toEqual([
      'display.server',
    ]);
    expect(pathsOf({ name: 'x', base: 'windows', init: 'systemd', extra: 1 }).sort()).toEqual([
      'base',
      'extra',
    ]);
  });

  it('a non-object reports at the root', () => {
    expect(pathsOf('just a string')).toEqual(['']);
    expect(pathsOf(null)).toEqual(['']);
  });
});

describe('assertValidSpec', () => {
  it('returns the normalized spec and warnings', () => {
    const { spec, warnings } = assertValidSpec({ ...base, architecture: 'aarch64' });
    expect(spec.architecture).toBe('aarch64');
    expect(warnings.map((w) => w.path)).toEqual(['architecture']);
  });
  it('throws LBE_SPEC_INVALID with every issue', () => {
    let caught: unknown;
    try {
      assertValidSpec({ base: 'nope', x: 1 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LbeError);
    const err = caught as LbeError;
    expect(err.code).toBe('LBE_SPEC_INVALID');
    expect(err.issues.map((i) => i.path).sort()).toEqual(['base', 'name', 'x']);
    expect(err.message).toContain('base: must be one of');
  });
});

describe('formatPath', () => {
  it('renders JSON paths', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['users', 0, 'sshAuthorizedKeys', 1])).toBe('users[0].sshAuthorizedKeys[1]');
    expect(formatPath([0, 'a'])).toBe('[0].a');
  });
});
