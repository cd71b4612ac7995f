import { LbeError } from '../../errors/index.js';
import type { BuildSpecInput } from '../spec.schema.js';

/** A named starting point for a spec. Every preset validates without errors (`presets.test.ts`). */
export interface Preset {
  readonly name: string;
  /** One line, shown by `lbe presets`. */
  readonly description: string;
  readonly spec: BuildSpecInput;
}

const PRESETS = {
  'developer-workstation': {
    description: 'Debian desktop for coding: sway on Wayland, zsh with oh-my-zsh, compilers, git, docker',
    spec: {
      name: 'developer-workstation',
      base: 'debian',
      release: 'bookworm',
      display: { server: 'wayland', compositor: 'sway', bar: 'waybar', launcher: 'wofi', terminal: 'foot' },
      packages: {
        base: ['curl', 'ca-certificates', 'git'],
        development: ['build-essential', 'python3', 'python3-venv', 'nodejs', 'golang'],
        utils: ['htop', 'ripgrep', 'fzf', 'jq', 'tmux', 'neovim'],
        servers: ['docker.io'],
      },
      securityFeatures: {
        mac: ['apparmor'],
        firewall: { backend: 'nftables', policy: 'deny', rules: [] },
        updates: { automatic: true, securityOnly: true },
      },
      hostname: 'devbox',
      timezone: 'UTC',
      locale: 'en_US.UTF-8',
      users: [{ name: 'dev', groups: ['docker'], sudo: true, shell: '/usr/bin/zsh' }],
      customization: { shell: 'zsh', shellFramework: 'oh-my-zsh' },
      outputs: { docker: true, iso: true, rootfs: false },
    },
  },
  'production-server': {
    description:
      'Hardened Debian web/app server: nginx, nftables, key-only SSH with fail2ban, restic backups',
    spec: {
      name: 'production-server',
      base: 'debian',
      release: 'bookworm',
      packages: { base: ['curl', 'ca-certificates'], servers: ['nginx'], utils: ['htop', 'logrotate'] },
      securityLevel: 'hardened',
      securityFeatures: {
        mac: ['apparmor'],
        firewall: {
          backend: 'nftables',
          policy: 'deny',
          rules: [
            { port: 22, protocol: 'tcp', action: 'allow', comment: 'ssh' },
            { port: 80, protocol: 'tcp', action: 'allow', comment: 'http' },
            { port: 443, protocol: 'tcp', action: 'allow', comment: 'https' },
          ],
        },
        ssh: {
          enabled: true,
          port: 22,
          permitRootLogin: false,
          passwordAuthentication: false,
          fail2ban: true,
          maxRetries: 5,
          banTime: '1h',
        },
        updates: { automatic: true, securityOnly: true },
        kernelHardening: [
          'kernel.kptr_restrict',
          'kernel.dmesg_restrict',
          'net.ipv4.tcp_syncookies',
          'net.ipv4.conf.all.rp_filter',
          'fs.protected_symlinks',
          'fs.protected_hardlinks',
        ],
      },
      hostname: 'web01',
      timezone: 'UTC',
      locale: 'C.UTF-8',
      users: [
        {
          name: 'deploy',
          sudo: true,
          sshAuthorizedKeys: [
            'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKIAycsk2DbnK0Uyfyzl+7zA3jjx1VfFE+SLLr4n29Ni deploy@example',
          ],
        },
      ],
      services: { enable: ['nginx'] },
      backup: {
        tool: 'restic',
        schedule: 'daily',
        destination: '/var/backups/restic',
        paths: ['/etc', '/var/www'],
      },
      outputs: { docker: true, rootfs: true },
    },
  },
  'gaming-desktop': {
    description: 'Arch desktop for games: KDE Plasma on Wayland, zen kernel, Steam-ready multimedia stack',
    spec: {
      name: 'gaming-desktop',
      base: 'arch',
      kernel: { version: 'linux-zen' },
      display: { server: 'wayland', compositor: 'plasma', terminal: 'konsole' },
      filesystem: { type: 'btrfs', compression: true, snapshots: true },
      packages: {
        base: ['base-devel', 'git'],
        multimedia: ['pipewire', 'pipewire-pulse', 'wireplumber', 'mesa', 'vulkan-radeon', 'gamemode'],
        utils: ['htop', 'firefox'],
      },
      securityFeatures: { firewall: { backend: 'ufw', policy: 'deny', rules: [] } },
      hostname: 'gamebox',
      timezone: 'UTC',
      locale: 'en_US.UTF-8',
      users: [{ name: 'player', groups: ['wheel', 'video', 'audio'], sudo: true }],
      customization: { shell: 'fish', shellFramework: 'starship' },
      outputs: { docker: true, iso: true },
    },
  },
  'edge-device': {
    description: 'Small Alpine image for edge/IoT boxes: OpenRC, nftables, key-only SSH, chrony',
    spec: {
      name: 'edge-device',
      base: 'alpine',
      release: '3.20',
      kernel: { version: 'linux-lts' },
      packages: ['ca-certificates', 'chrony', 'curl', 'mosquitto'],
      securityFeatures: {
        firewall: {
          backend: 'nftables',
          policy: 'deny',
          rules: [
            { port: 22, protocol: 'tcp', action: 'allow', source: '10.0.0.0/8', comment: 'ssh from lan' },
            { port: 1883, protocol: 'tcp', action: 'allow', source: '10.0.0.0/8', comment: 'mqtt' },
          ],
        },
        ssh: { enabled: true, permitRootLogin: false, passwordAuthentication: false },
      },
      hostname: 'edge01',
      timezone: 'UTC',
      users: [
        {
          name: 'ops',
          shell: '/bin/ash',
          sshAuthorizedKeys: [
            'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKIAycsk2DbnK0Uyfyzl+7zA3jjx1VfFE+SLLr4n29Ni ops@example',
          ],
        },
      ],
      services: { enable: ['chronyd', 'mosquitto'] },
      outputs: { docker: true, rootfs: true },
    },
  },
  pentesting: {
    description: 'Debian toolbox for authorised security testing: nmap, wireshark, sqlmap, john, hashcat',
    spec: {
      name: 'pentesting',
      base: 'debian',
      release: 'bookworm',
      packages: {
        base: ['curl', 'ca-certificates', 'git'],
        security: ['nmap', 'tshark', 'sqlmap', 'john', 'hashcat', 'hydra', 'nikto', 'aircrack-ng'],
        networking: ['netcat-openbsd', 'socat', 'tcpdump', 'dnsutils', 'whois'],
        development: ['python3', 'python3-pip'],
      },
      hostname: 'toolbox',
      timezone: 'UTC',
      users: [{ name: 'tester', sudo: true, groups: ['wireshark'] }],
      customization: { shell: 'zsh', shellFramework: 'oh-my-zsh' },
      outputs: { docker: true, iso: true },
    },
  },
  'minimal-server': {
    description: 'The smallest useful Debian server: OpenSSH with keys only, nftables, unattended upgrades',
    spec: {
      name: 'minimal-server',
      base: 'debian',
      release: 'bookworm',
      packages: ['ca-certificates', 'curl'],
      securityFeatures: {
        firewall: {
          backend: 'nftables',
          policy: 'deny',
          rules: [{ port: 22, protocol: 'tcp', action: 'allow', comment: 'ssh' }],
        },
        ssh: { enabled: true, passwordAuthentication: false, permitRootLogin: false },
        updates: { automatic: true, securityOnly: true },
      },
      hostname: 'server',
      timezone: 'UTC',
      users: [
        {
          name: 'admin',
          sudo: true,
          sshAuthorizedKeys: [
            'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKIAycsk2DbnK0Uyfyzl+7zA3jjx1VfFE+SLLr4n29Ni admin@example',
          ],
        },
      ],
      outputs: { docker: true, rootfs: true },
    },
  },
} as const satisfies Record<string, { description: string; spec: BuildSpecInput }>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

function toPreset(name: PresetName): Preset {
  const { description, spec } = PRESETS[name];
  // A deep copy: callers may edit the spec they get without changing the preset.
  return { name, description, spec: structuredClone(spec) };
}

/** Every preset, in a stable order (the order of PRESET_NAMES). */
export function listPresets(): Preset[] {
  return PRESET_NAMES.map(toPreset);
}

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/** The preset called `name`; throws LbeError('LBE_SPEC_PRESET_NOT_FOUND') naming the known presets. */
export function getPreset(name: string): Preset {
  if (!isPresetName(name)) {
    throw new LbeError(
      'LBE_SPEC_PRESET_NOT_FOUND',
      `No preset named ${JSON.stringify(name)}; known presets: ${PRESET_NAMES.join(', ')}`,
      { details: { name, known: PRESET_NAMES } },
    );
  }
  return toPreset(name);
}
