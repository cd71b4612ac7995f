import { describe, expect, it } from 'vitest';
import { checkCompatibility, SUPPORTED_INIT } from './spec.rules.js';
import { buildSpecSchema } from './spec.schema.js';
import { normalizeSpec } from './spec.normalize.js';
import { validateSpec, type SpecIssue } from './spec.validate.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKIAycsk2DbnK0Uyfyzl+7zA3jjx1VfFE+SLLr4n29Ni me@host';

/** Errors and warnings of a structurally valid spec (fails the test if the schema rejects it). */
function check(input: Record<string, unknown>): { errors: SpecIssue[]; warnings: SpecIssue[] } {
  const r = validateSpec({ name: 't', base: 'debian', ...input });
  if (r.ok) return { errors: [], warnings: [...r.warnings] };
  return { errors: [...r.errors], warnings: [...r.warnings] };
}

function expectError(input: Record<string, unknown>, path: string, message: RegExp): void {
  const { errors } = check(input);
  const hit = errors.find((e) => e.path === path);
  expect(hit, `errors: ${JSON.stringify(errors)}`).toBeDefined();
  expect(hit?.message).toMatch(message);
}

function expectWarning(input: Record<string, unknown>, path: string, message: RegExp): void {
  const { errors, warnings } = check(input);
  expect(errors).toEqual([]);
  const hit = warnings.find((w) => w.path === path);
  expect(hit, `warnings: ${JSON.stringify(warnings)}`).toBeDefined();
  expect(hit?.message).toMatch(message);
}

function expectClean(input: Record<string, unknown>): void {
  expect(check(input)).toEqual({ errors: [], warnings: [] });
}

describe('base, release, init, architecture, kernel', () => {
  it('init must be available on the base, naming the allowed ones', () => {
    expectError(
      { base: 'ubuntu', init: 'openrc' },
      'init',
      /openrc is not available on ubuntu; allowed: systemd/,
    );
    expectError({ base: 'void', init: 'systemd' }, 'init', /allowed: runit/);
  });
  it('s6 only where supported', () => {
    expectClean({ base: 'alpine', init: 's6' });
    expectError({ base: 'debian', init: 's6' }, 'init', /allowed: systemd, runit, openrc/);
    for (const [b, inits] of Object.entries(SUPPORTED_INIT)) {
      if (!inits.includes('s6'))
        expect(check({ base: b, init: 's6' }).errors.map((e) => e.path)).toContain('init');
    }
  });
  it.each([
    ['debian', 'trixie', true],
    ['debian', 'buster', false],
    ['ubuntu', '24.04', true],
    ['ubuntu', 'focal', false],
    ['alpine', '3.19', true],
    ['alpine', 'edge', true],
    ['alpine', '4.0', false],
    ['fedora', '41', true],
    ['fedora', 'f41', false],
    ['arch', 'latest', true],
    ['arch', '2024.01.01', false],
    ['opensuse', 'leap', true],
  ])('release %s %s valid=%s', (b, release, valid) => {
    const { errors } = check({ base: b, release });
    if (valid) expect(errors).toEqual([]);
    else
      expect(errors.find((e) => e.path === 'release')?.message).toMatch(
        /is not a known .* release; allowed: /,
      );
  });
  it('names the allowed releases', () => {
    expectError(
      { release: 'buster' },
      'release',
      /allowed: bookworm, trixie, bullseye, sid, stable, testing/,
    );
    expectError({ base: 'alpine', release: '2.0' }, 'release', /allowed: edge, a version like 3.19/);
  });
  it('aarch64 is recipe-only here', () => {
    expectWarning({ architecture: 'aarch64' }, 'architecture', /recipe .* only/);
  });
  it('kernel flavours the base does not package warn and name the fallback', () => {
    expectWarning(
      { kernel: { version: 'linux-zen' } },
      'kernel.version',
      /linux-zen is not packaged for debian .*linux.* is used instead/,
    );
    expectWarning({ kernel: { version: 'linux-hardened' } }, 'kernel.version', /offered: linux/);
    expectClean({ base: 'arch', kernel: { version: 'linux-zen' } });
    expectClean({ base: 'alpine', kernel: { version: 'linux-lts' } });
  });
  it('custom kernel flags only apply on gentoo', () => {
    expectWarning({ kernel: { customFlags: ['CONFIG_X=y'] } }, 'kernel.customFlags', /gentoo/);
    expectClean({ base: 'gentoo', kernel: { customFlags: ['CONFIG_X=y'] } });
  });
  it('a module both enabled and disabled is an error', () => {
    expectError(
      { kernel: { modules: { enable: ['wireguard'], disable: ['wireguard'] } } },
      'kernel.modules',
      /wireguard/,
    );
  });
});

describe('display', () => {
  it.each(['sway', 'hyprland', 'river', 'wayfire'])('%s needs wayland', (compositor) => {
    expectClean({ display: { server: 'wayland', compositor } });
    expectError({ display: { server: 'x11', compositor } }, 'display.compositor', /runs on wayland, not x11/);
  });
  it.each(['i3', 'bspwm', 'openbox', 'awesome', 'xmonad'])('%s needs x11', (compositor) => {
    expectClean({ display: { server: 'x11', compositor } });
    expectError(
      { display: { server: 'wayland', compositor } },
      'display.compositor',
      /runs on x11, not wayland/,
    );
  });
  it.each(['gnome', 'kde', 'plasma'])('%s runs on either', (compositor) => {
    expectClean({ display: { server: 'x11', compositor } });
    expectClean({ display: { server: 'wayland', compositor } });
  });
  it('display parts without a display server are errors', () => {
    const { errors } = check({ display: { server: 'none', compositor: 'sway', bar: 'waybar' } });
    expect(errors.map((e) => e.path)).toEqual(['display.compositor', 'display.bar']);
    expect(errors[0]?.message).toMatch(/set display.server to x11 or wayland/);
  });
  it('an unknown compositor warns with the known list', () => {
    expectWarning(
      { display: { server: 'x11', compositor: 'fvwm' } },
      'display.compositor',
      /known: sway, hyprland/,
    );
  });
  it('a display on a hardened system warns', () => {
    expectWarning({ securityLevel: 'hardened', display: { server: 'wayland' } }, 'display', /attack surface/);
    expectClean({ securityLevel: 'hardened', display: { server: 'none' } });
  });
});

describe('filesystem', () => {
  it('snapshots need btrfs or zfs', () => {
    expectError(
      { filesystem: { type: 'ext4', snapshots: true } },
      'filesystem.snapshots',
      /btrfs or zfs, not ext4/,
    );
    expectClean({ filesystem: { type: 'btrfs', snapshots: true } });
  });
  it('zfs on a base without it warns', () => {
    expectWarning(
      { base: 'fedora', filesystem: { type: 'zfs' } },
      'filesystem.type',
      /not in fedora's own repositories/,
    );
    expectClean({ base: 'ubuntu', filesystem: { type: 'zfs', snapshots: true } });
  });
  it('compression without support warns', () => {
    expectWarning(
      { filesystem: { type: 'xfs', compression: true } },
      'filesystem.compression',
      /btrfs, zfs, f2fs/,
    );
  });
});

describe('security features', () => {
  it('apparmor and selinux together is an error', () => {
    expectError({ securityFeatures: { mac: ['apparmor', 'selinux'] } }, 'securityFeatures.mac', /choose one/);
  });
  it('the same MAC twice warns', () => {
    expectWarning({ securityFeatures: { mac: ['apparmor', 'apparmor'] } }, 'securityFeatures.mac', /twice/);
  });
  it('selinux on debian/ubuntu and apparmor on fedora warn', () => {
    expectWarning(
      { securityFeatures: { mac: ['selinux'] } },
      'securityFeatures.mac',
      /AppArmor is the native/,
    );
    expectWarning(
      { base: 'ubuntu', securityFeatures: { mac: ['selinux'] } },
      'securityFeatures.mac',
      /AppArmor/,
    );
    expectWarning(
      { base: 'fedora', securityFeatures: { mac: ['apparmor'] } },
      'securityFeatures.mac',
      /SELinux is the native/,
    );
    expectClean({ base: 'fedora', securityFeatures: { mac: ['selinux'] } });
  });
  it('ufw only on debian, ubuntu, arch', () => {
    expectClean({ base: 'arch', securityFeatures: { firewall: { backend: 'ufw' } } });
    expectError(
      { base: 'fedora', securityFeatures: { firewall: { backend: 'ufw' } } },
      'securityFeatures.firewall.backend',
      /only debian, ubuntu, arch.*allowed here: nftables, iptables/,
    );
  });
  it('identical firewall rules warn', () => {
    expectWarning(
      {
        securityFeatures: {
          firewall: { rules: [{ port: 80 }, { port: 443 }, { port: 80, protocol: 'tcp' }] },
        },
      },
      'securityFeatures.firewall.rules[2]',
      /identical to rules\[0\]/,
    );
  });
  const user = { name: 'admin', sshAuthorizedKeys: [KEY] };
  it('a deny policy without a rule for the SSH port warns', () => {
    expectWarning(
      { users: [user], securityFeatures: { firewall: { rules: [{ port: 80 }] }, ssh: {} } },
      'securityFeatures.firewall.rules',
      /SSH port 22 .* unreachable/,
    );
    expectClean({ users: [user], securityFeatures: { firewall: { rules: [{ port: '20:30' }] }, ssh: {} } });
    expectClean({
      users: [user],
      securityFeatures: { firewall: { rules: [{ port: 2222 }] }, ssh: { port: 2222 } },
    });
    expectClean({ users: [user], securityFeatures: { firewall: { policy: 'allow' }, ssh: {} } });
  });
  it('fail2ban with SSH disabled is an error', () => {
    expectError(
      { securityFeatures: { ssh: { enabled: false, fail2ban: true } } },
      'securityFeatures.ssh.fail2ban',
      /ssh.enabled: true or fail2ban: false/,
    );
  });
  it('password logins and root login warn', () => {
    expectWarning(
      { securityFeatures: { ssh: { passwordAuthentication: true } } },
      'securityFeatures.ssh.passwordAuthentication',
      /prefer keys/,
    );
    expectWarning(
      { users: [user], securityFeatures: { ssh: { permitRootLogin: true } } },
      'securityFeatures.ssh.permitRootLogin',
      /prohibit-password/,
    );
    expectClean({ users: [user], securityFeatures: { ssh: { permitRootLogin: 'prohibit-password' } } });
  });
  it('SSH with keys only but no keys warns', () => {
    expectWarning({ securityFeatures: { ssh: {} } }, 'securityFeatures.ssh', /nobody can log in/);
  });
  it('allowUsers naming an undefined user warns', () => {
    expectWarning(
      { users: [user], securityFeatures: { ssh: { allowUsers: ['admin', 'root', 'ghost'] } } },
      'securityFeatures.ssh.allowUsers[2]',
      /ghost is not defined in users; allowed: admin, root/,
    );
  });
});

describe('users and files', () => {
  it('duplicate user names and uids are errors', () => {
    const { errors } = check({ users: [{ name: 'a', uid: 1001 }, { name: 'b', uid: 1001 }, { name: 'a' }] });
    expect(errors).toEqual([
      { path: 'users[1].uid', message: '1001 is already used by users[0]; uids must be unique' },
      { path: 'users[2].name', message: 'a is already defined in users[0]; user names must be unique' },
    ]);
  });
  it('system account names are errors', () => {
    expectError({ users: [{ name: 'root' }] }, 'users[0].name', /system account/);
  });
  it('sudo on alpine warns (doas is native)', () => {
    expectWarning({ base: 'alpine', users: [{ name: 'a', sudo: true }] }, 'users[0].sudo', /doas/);
  });
  it('sudoNoPassword without sudo warns', () => {
    expectWarning(
      { users: [{ name: 'a', sudoNoPassword: true }] },
      'users[0].sudoNoPassword',
      /unless sudo is true/,
    );
  });
  it('duplicate file paths are errors; a file under a home that does not exist yet is fine', () => {
    expectError(
      {
        files: [
          { path: '/etc/a', content: '' },
          { path: '/etc/a', content: 'x' },
        ],
      },
      'files[1].path',
      /already written by files\[0\]/,
    );
    expectClean({ files: [{ path: '/home/nobody-yet/.bashrc', content: '' }] });
  });
});

describe('packages', () => {
  it('pins on a base that cannot pin are errors at the entry that wrote them', () => {
    expectError(
      { base: 'arch', packages: ['git', 'nginx=1.22'] },
      'packages[1]',
      /arch cannot install pinned versions/,
    );
    expectError({ base: 'void', packages: { servers: ['nginx=1.22'] } }, 'packages.servers[0]', /void/);
    expectError({ base: 'gentoo', packages: { 'nginx=1.22': true } }, 'packages.nginx=1.22', /gentoo/);
  });
  it('wildcard pins only on debian/ubuntu', () => {
    expectClean({ packages: ['nginx=1.22.*'] });
    expectError(
      { base: 'alpine', packages: ['nginx=1.22.*'] },
      'packages[0]',
      /wildcard pins work only on debian, ubuntu/,
    );
    expectClean({ base: 'alpine', packages: ['nginx=1.22.1-r0'] });
  });
  it('the same package with two pins warns', () => {
    expectWarning(
      { packages: ['nginx=1.22.*', 'nginx=1.24.*'] },
      'packages[1]',
      /already requested as nginx=1.22.\*/,
    );
  });
  it('works from the flattened list when the raw form is not given', () => {
    const spec = normalizeSpec(buildSpecSchema.parse({ name: 't', base: 'arch', packages: ['a=1'] }));
    expect(checkCompatibility(spec).errors).toEqual([
      {
        path: 'packages[0]',
        message: expect.stringMatching(/arch cannot install pinned versions/) as unknown,
      },
    ]);
  });
});

describe('services, customization, outputs, backup', () => {
  it('a service both enabled and disabled is an error', () => {
    expectError(
      { services: { enable: ['nginx'], disable: ['nginx'] } },
      'services.disable[0]',
      /also in services.enable/,
    );
  });
  it('shell frameworks need their shell', () => {
    expectError(
      { customization: { shell: 'bash', shellFramework: 'oh-my-zsh' } },
      'customization.shellFramework',
      /needs customization.shell zsh, not bash/,
    );
    expectError(
      { customization: { shell: 'zsh', shellFramework: 'oh-my-fish' } },
      'customization.shellFramework',
      /fish/,
    );
    expectClean({ customization: { shell: 'zsh', shellFramework: 'oh-my-zsh' } });
    expectClean({ customization: { shell: 'fish' } });
    expectClean({ customization: { shell: 'bash', shellFramework: 'starship' } });
  });
  it('systemd-boot needs systemd', () => {
    expectError(
      { base: 'alpine', customization: { bootloader: 'systemd-boot' } },
      'customization.bootloader',
      /needs init systemd, not openrc; with openrc use grub or syslinux/,
    );
    expectClean({ customization: { bootloader: 'systemd-boot' } });
  });
  it('dotfiles.user must be a defined user', () => {
    expectError(
      { customization: { dotfiles: { repo: 'https://github.com/o/dots', user: 'ghost' } } },
      'customization.dotfiles.user',
      /define the user in users first/,
    );
    expectError(
      {
        users: [{ name: 'me' }],
        customization: { dotfiles: { repo: 'https://github.com/o/dots', user: 'ghost' } },
      },
      'customization.dotfiles.user',
      /allowed: me/,
    );
  });
  it('bootTest needs iso; iso needs x86_64; some output is needed', () => {
    expectError({ outputs: { bootTest: true } }, 'outputs.bootTest', /needs outputs.iso: true/);
    expectClean({ outputs: { iso: true, bootTest: true } });
    expectError({ architecture: 'aarch64', outputs: { iso: true } }, 'outputs.iso', /x86_64 only/);
    expectError({ outputs: { docker: false } }, 'outputs', /at least one of docker, iso, rootfs/);
  });
  it('borg cannot write to s3', () => {
    expectError(
      { backup: { tool: 'borg', destination: 's3://bucket/x' } },
      'backup.destination',
      /borg cannot write to s3/,
    );
    expectClean({ backup: { tool: 'restic', destination: 's3://bucket/x' } });
    expectClean({ backup: { tool: 'borg', destination: 'borg@host:/srv/repo' } });
  });
});
