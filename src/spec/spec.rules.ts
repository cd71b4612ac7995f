import type { NormalizedSpec } from './spec.normalize.js';
import type { SpecIssue } from './spec-issue.js';
import type { Base, InitSystem, ParsedBuildSpec } from './spec.schema.js';

/** Init systems each base can actually boot with. */
export const SUPPORTED_INIT: Readonly<Record<Base, readonly InitSystem[]>> = {
  debian: ['systemd', 'runit', 'openrc'],
  ubuntu: ['systemd'],
  alpine: ['openrc', 's6'],
  arch: ['systemd'],
  fedora: ['systemd'],
  opensuse: ['systemd'],
  void: ['runit'],
  gentoo: ['openrc', 'systemd'],
};

/**
 * Releases accepted per base: a fixed list of names, or a pattern described by `hint`. The default release of
 * every base (DEFAULT_RELEASE) is always accepted.
 */
export const KNOWN_RELEASES: Readonly<
  Record<Base, { readonly names: readonly string[]; readonly pattern?: RegExp; readonly hint: string }>
> = {
  debian: { names: ['bookworm', 'trixie', 'bullseye', 'sid', 'stable', 'testing'], hint: '' },
  ubuntu: { names: ['jammy', 'noble', '22.04', '24.04'], hint: '' },
  alpine: { names: ['edge'], pattern: /^3\.\d{1,2}$/, hint: 'a version like 3.19 or 3.20' },
  fedora: { names: ['rawhide'], pattern: /^[3-9]\d$/, hint: 'a release number like 40 or 41' },
  opensuse: { names: ['tumbleweed', 'leap', '15.5', '15.6'], hint: '' },
  arch: { names: ['latest', 'rolling'], hint: '' },
  void: { names: ['latest', 'rolling'], hint: '' },
  gentoo: { names: ['latest', 'rolling'], hint: '' },
};

/** Kernel flavours each base packages; anything else falls back to `linux` (the base's default kernel). */
export const SUPPORTED_KERNELS: Readonly<Record<Base, readonly string[]>> = {
  arch: ['linux', 'linux-lts', 'linux-zen', 'linux-hardened'],
  debian: ['linux'],
  ubuntu: ['linux'],
  alpine: ['linux', 'linux-lts'],
  fedora: ['linux'],
  opensuse: ['linux'],
  void: ['linux', 'linux-lts'],
  gentoo: ['linux'],
};

/** Compositors / desktops the engine knows, with the display servers they run on. */
export const COMPOSITOR_SERVERS: Readonly<Record<string, readonly ('x11' | 'wayland')[]>> = {
  sway: ['wayland'],
  hyprland: ['wayland'],
  river: ['wayland'],
  wayfire: ['wayland'],
  labwc: ['wayland'],
  i3: ['x11'],
  bspwm: ['x11'],
  openbox: ['x11'],
  awesome: ['x11'],
  xmonad: ['x11'],
  dwm: ['x11'],
  xfce: ['x11'],
  gnome: ['x11', 'wayland'],
  kde: ['x11', 'wayland'],
  plasma: ['x11', 'wayland'],
};

/** Bases whose own repositories ship the `ufw` firewall front-end. */
export const UFW_BASES: readonly Base[] = ['debian', 'ubuntu', 'arch'];
/** Bases that ship ZFS (kernel module and tools) in their own repositories. */
export const ZFS_BASES: readonly Base[] = ['debian', 'ubuntu', 'alpine', 'void', 'gentoo'];
/** Bases whose package manager cannot install a pinned version from its repositories. */
export const NO_PIN_BASES: readonly Base[] = ['arch', 'void', 'gentoo'];
/** Bases whose package manager understands `*` in a version pin (`nginx=1.22.*`). */
export const GLOB_PIN_BASES: readonly Base[] = ['debian', 'ubuntu'];
/** Account names that exist on every base system and cannot be created again. */
export const RESERVED_USER_NAMES: readonly string[] = [
  'root',
  'daemon',
  'bin',
  'sys',
  'sync',
  'games',
  'man',
  'lp',
  'mail',
  'news',
  'uucp',
  'proxy',
  'www-data',
  'backup',
  'list',
  'irc',
  'nobody',
  'sshd',
  'messagebus',
  'systemd-network',
  'systemd-resolve',
  'systemd-timesync',
];

const quoteList = (values: readonly string[]): string => values.join(', ');

/**
 * Cross-field rules that the schema cannot express. Contract: pure; `errors` make the spec invalid,
 * `warnings` are returned to the user with the accepted spec. Every message names the allowed values.
 * `rawPackages` (the `packages` field as parsed, before flattening) lets package issues point at the entry
 * the user wrote (`packages.servers[2]`).
 */
export function checkCompatibility(
  spec: NormalizedSpec,
  rawPackages?: ParsedBuildSpec['packages'],
): { errors: SpecIssue[]; warnings: SpecIssue[] } {
  const errors: SpecIssue[] = [];
  const warnings: SpecIssue[] = [];
  const error = (path: string, message: string): void => {
    errors.push({ path, message });
  };
  const warn = (path: string, message: string): void => {
    warnings.push({ path, message });
  };

  checkBase(spec, error, warn);
  checkDisplay(spec, error, warn);
  checkFilesystem(spec, error, warn);
  checkSecurity(spec, error, warn);
  checkUsersAndFiles(spec, error, warn);
  // Package rules need the entries as written (for their paths); the flattened list is the fallback.
  checkPackages(
    spec.base,
    rawPackages ?? spec.packages.map((p) => (p.version === undefined ? p.name : `${p.name}=${p.version}`)),
    error,
    warn,
  );
  checkServices(spec, error);
  checkCustomization(spec, error);
  checkOutputsAndBackup(spec, error);

  return { errors, warnings };
}

type Report = (path: string, message: string) => void;

function checkBase(spec: NormalizedSpec, error: Report, warn: Report): void {
  const inits = SUPPORTED_INIT[spec.base];
  if (!inits.includes(spec.init)) {
    error('init', `${spec.init} is not available on ${spec.base}; allowed: ${quoteList(inits)}`);
  }

  const releases = KNOWN_RELEASES[spec.base];
  if (!releases.names.includes(spec.release) && releases.pattern?.test(spec.release) !== true) {
    const allowed = [...releases.names, ...(releases.hint === '' ? [] : [releases.hint])];
    error('release', `${spec.release} is not a known ${spec.base} release; allowed: ${quoteList(allowed)}`);
  }

  if (spec.architecture === 'aarch64') {
    warn(
      'architecture',
      'aarch64 builds produce the recipe (Dockerfile, plan) only on this host; real builds are x86_64',
    );
  }

  const kernels = SUPPORTED_KERNELS[spec.base];
  if (!kernels.includes(spec.kernel.version)) {
    warn(
      'kernel.version',
      `${spec.kernel.version} is not packaged for ${spec.base} (offered: ${quoteList(kernels)}); linux, the base's default kernel, is used instead`,
    );
  }
  if (spec.kernel.customFlags.length > 0 && spec.base !== 'gentoo') {
    warn(
      'kernel.customFlags',
      `custom kernel config flags apply only where the kernel is compiled (gentoo); ${spec.base} installs a prebuilt kernel, so they are ignored`,
    );
  }
  const both = spec.kernel.modules.enable.filter((m) => spec.kernel.modules.disable.includes(m));
  for (const m of new Set(both)) {
    error('kernel.modules', `module ${m} is both enabled and disabled; keep it in one list`);
  }
}

function checkDisplay(spec: NormalizedSpec, error: Report, warn: Report): void {
  const display = spec.display;
  if (display === undefined) return;
  const { server, compositor } = display;
  if (server === 'none') {
    const set = (
      ['compositor', 'bar', 'launcher', 'terminal', 'theme', 'notifications', 'lockscreen'] as const
    ).filter((k) => display[k] !== undefined);
    for (const key of set) {
      error(`display.${key}`, 'needs a display server; set display.server to x11 or wayland');
    }
    return;
  }
  if (compositor !== undefined) {
    const servers = COMPOSITOR_SERVERS[compositor.toLowerCase()];
    if (servers === undefined) {
      warn(
        'display.compositor',
        `${compositor} is not a compositor the engine knows; known: ${quoteList(Object.keys(COMPOSITOR_SERVERS))}`,
      );
    } else if (!servers.includes(server)) {
      error(
        'display.compositor',
        `${compositor} runs on ${quoteList(servers)}, not ${server}; set display.server to ${quoteList(servers)}`,
      );
    }
  }
  if (spec.securityLevel === 'hardened' || spec.securityLevel === 'paranoid') {
    warn(
      'display',
      `a graphical stack on a ${spec.securityLevel} system widens its attack surface; remove display or use securityLevel standard`,
    );
  }
}

function checkFilesystem(spec: NormalizedSpec, error: Report, warn: Report): void {
  const fs = spec.filesystem;
  if (fs === undefined) return;
  if (fs.snapshots && fs.type !== 'btrfs' && fs.type !== 'zfs') {
    error('filesystem.snapshots', `snapshots need filesystem.type btrfs or zfs, not ${fs.type}`);
  }
  if (fs.compression && !['btrfs', 'zfs', 'f2fs'].includes(fs.type)) {
    warn(
      'filesystem.compression',
      `${fs.type} has no transparent compression (btrfs, zfs, f2fs have); ignored`,
    );
  }
  if (fs.type === 'zfs' && !ZFS_BASES.includes(spec.base)) {
    warn(
      'filesystem.type',
      `zfs is not in ${spec.base}'s own repositories (it is on ${quoteList(ZFS_BASES)}); the out-of-tree module may fail to build`,
    );
  }
}

function checkSecurity(spec: NormalizedSpec, error: Report, warn: Report): void {
  const { mac, firewall, ssh } = spec.securityFeatures;
  if (mac.includes('apparmor') && mac.includes('selinux')) {
    error('securityFeatures.mac', 'apparmor and selinux cannot both be enabled; choose one');
  }
  if (new Set(mac).size !== mac.length) {
    warn('securityFeatures.mac', 'lists the same module twice; allowed: apparmor or selinux, once');
  }
  if (mac.includes('selinux') && (spec.base === 'debian' || spec.base === 'ubuntu')) {
    warn(
      'securityFeatures.mac',
      `AppArmor is the native MAC on ${spec.base}; SELinux there has few policies`,
    );
  }
  if (mac.includes('apparmor') && spec.base === 'fedora') {
    warn('securityFeatures.mac', 'SELinux is the native MAC on fedora; AppArmor there has few profiles');
  }

  if (firewall !== undefined) {
    if (firewall.backend === 'ufw' && !UFW_BASES.includes(spec.base)) {
      error(
        'securityFeatures.firewall.backend',
        `ufw is not packaged for ${spec.base} (only ${quoteList(UFW_BASES)}); allowed here: nftables, iptables`,
      );
    }
    const seen = new Map<string, number>();
    firewall.rules.forEach((rule, i) => {
      const key = JSON.stringify([String(rule.port), rule.protocol, rule.action, rule.source ?? '']);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else
        warn(`securityFeatures.firewall.rules[${i}]`, `is identical to rules[${first}]; it is applied once`);
    });
    if (firewall.enabled && firewall.policy !== 'allow' && ssh?.enabled === true) {
      const open = firewall.rules.some((r) => r.action === 'allow' && portCovers(r.port, ssh.port));
      if (!open) {
        warn(
          'securityFeatures.firewall.rules',
          `no rule allows the SSH port ${ssh.port} while the policy is ${firewall.policy}; SSH will be unreachable`,
        );
      }
    }
  }

  if (ssh !== undefined) {
    if (ssh.fail2ban && !ssh.enabled) {
      error(
        'securityFeatures.ssh.fail2ban',
        'fail2ban protects sshd, which is disabled; set ssh.enabled: true or fail2ban: false',
      );
    }
    if (ssh.enabled && ssh.passwordAuthentication) {
      warn(
        'securityFeatures.ssh.passwordAuthentication',
        'password logins over SSH invite brute force; prefer keys (false)',
      );
    }
    if (ssh.enabled && ssh.permitRootLogin === true) {
      warn(
        'securityFeatures.ssh.permitRootLogin',
        'root may log in over SSH; prefer false or prohibit-password',
      );
    }
    const names = new Set(spec.users.map((u) => u.name));
    ssh.allowUsers?.forEach((u, i) => {
      if (u !== 'root' && !names.has(u)) {
        warn(
          `securityFeatures.ssh.allowUsers[${i}]`,
          `${u} is not defined in users; allowed: ${quoteList([...names, 'root'])}`,
        );
      }
    });
    const anyKey = spec.users.some((u) => u.sshAuthorizedKeys.length > 0);
    if (ssh.enabled && !ssh.passwordAuthentication && !anyKey) {
      warn(
        'securityFeatures.ssh',
        'SSH is enabled with password logins off but no user has sshAuthorizedKeys; nobody can log in',
      );
    }
  }
}

function portCovers(port: number | string, wanted: number): boolean {
  if (typeof port === 'number') return port === wanted;
  const [from = 0, to = 0] = port.split(':').map(Number);
  return wanted >= from && wanted <= to;
}

function checkUsersAndFiles(spec: NormalizedSpec, error: Report, warn: Report): void {
  const names = new Map<string, number>();
  const uids = new Map<number, number>();
  spec.users.forEach((user, i) => {
    if (RESERVED_USER_NAMES.includes(user.name)) {
      error(`users[${i}].name`, `${user.name} is a system account that already exists; choose another name`);
    }
    const first = names.get(user.name);
    if (first === undefined) names.set(user.name, i);
    else
      error(
        `users[${i}].name`,
        `${user.name} is already defined in users[${first}]; user names must be unique`,
      );
    if (user.uid !== undefined) {
      const other = uids.get(user.uid);
      if (other === undefined) uids.set(user.uid, i);
      else error(`users[${i}].uid`, `${user.uid} is already used by users[${other}]; uids must be unique`);
    }
    if (user.sudoNoPassword && !user.sudo) {
      warn(`users[${i}].sudoNoPassword`, 'has no effect unless sudo is true');
    }
    if (user.sudo && spec.base === 'alpine') {
      warn(`users[${i}].sudo`, 'alpine uses doas natively; the sudo package is added for this user');
    }
  });

  const paths = new Map<string, number>();
  spec.files.forEach((file, i) => {
    const first = paths.get(file.path);
    if (first === undefined) paths.set(file.path, i);
    else
      error(
        `files[${i}].path`,
        `${file.path} is already written by files[${first}]; file paths must be unique`,
      );
  });
}

/** Each package entry the user wrote, with the JSON path where it was written. */
function packageEntries(packages: ParsedBuildSpec['packages']): { path: string; entry: string }[] {
  if (Array.isArray(packages)) return packages.map((entry, i) => ({ path: `packages[${i}]`, entry }));
  const out: { path: string; entry: string }[] = [];
  for (const [key, value] of Object.entries(packages)) {
    if (Array.isArray(value))
      value.forEach((entry: string, i) => out.push({ path: `packages.${key}[${i}]`, entry }));
    else if (value === true) out.push({ path: `packages.${key}`, entry: key });
  }
  return out;
}

function checkPackages(base: Base, packages: ParsedBuildSpec['packages'], error: Report, warn: Report): void {
  const pins = new Map<string, string>();
  for (const { path, entry } of packageEntries(packages)) {
    const eq = entry.indexOf('=');
    const name = eq === -1 ? entry : entry.slice(0, eq);
    const version = eq === -1 ? undefined : entry.slice(eq + 1);
    const previous = pins.get(name);
    if (previous !== undefined && previous !== entry) {
      warn(path, `${name} is already requested as ${previous}; the first one is used`);
    }
    pins.set(name, previous ?? entry);
    if (version === undefined) continue;
    if (NO_PIN_BASES.includes(base)) {
      error(
        path,
        `${base} cannot install pinned versions; remove =${version} (pins work on debian, ubuntu, alpine, fedora, opensuse)`,
      );
    } else if (version.includes('*') && !GLOB_PIN_BASES.includes(base)) {
      error(path, `wildcard pins work only on ${quoteList(GLOB_PIN_BASES)}; pin an exact version on ${base}`);
    }
  }
}

function checkServices(spec: NormalizedSpec, error: Report): void {
  const { enable, disable } = spec.services;
  disable.forEach((name, i) => {
    if (enable.includes(name)) {
      error(`services.disable[${i}]`, `${name} is also in services.enable; keep it in one list`);
    }
  });
}

function checkCustomization(spec: NormalizedSpec, error: Report): void {
  const c = spec.customization;
  if (c === undefined) return;
  const needs: Partial<Record<typeof c.shellFramework, typeof c.shell>> = {
    'oh-my-zsh': 'zsh',
    prezto: 'zsh',
    'oh-my-fish': 'fish',
  };
  const shell = needs[c.shellFramework];
  if (shell !== undefined && c.shell !== shell) {
    error(
      'customization.shellFramework',
      `${c.shellFramework} needs customization.shell ${shell}, not ${c.shell}; with ${c.shell} use none or starship`,
    );
  }
  if (c.bootloader === 'systemd-boot' && spec.init !== 'systemd') {
    error(
      'customization.bootloader',
      `systemd-boot needs init systemd, not ${spec.init}; with ${spec.init} use grub or syslinux`,
    );
  }
  const user = c.dotfiles?.user;
  if (user !== undefined && !spec.users.some((u) => u.name === user)) {
    const names = spec.users.map((u) => u.name);
    error(
      'customization.dotfiles.user',
      `${user} is not defined in users; allowed: ${names.length > 0 ? quoteList(names) : '(define the user in users first)'}`,
    );
  }
}

function checkOutputsAndBackup(spec: NormalizedSpec, error: Report): void {
  const o = spec.outputs;
  if (!o.docker && !o.iso && !o.rootfs) {
    error('outputs', 'no output selected; set at least one of docker, iso, rootfs to true');
  }
  if (o.bootTest && !o.iso) {
    error('outputs.bootTest', 'boots the live ISO, so it needs outputs.iso: true');
  }
  if (o.iso && spec.architecture !== 'x86_64') {
    error(
      'outputs.iso',
      `live ISOs are built for x86_64 only here, not ${spec.architecture}; allowed: docker, rootfs`,
    );
  }
  const backup = spec.backup;
  if (backup?.enabled === true && backup.tool === 'borg' && backup.destination.startsWith('s3://')) {
    error(
      'backup.destination',
      'borg cannot write to s3://; use a local path or user@host:path, or backup.tool restic for S3',
    );
  }
}
