import type { NormalizedSpec } from '../../spec/spec.normalize.js';
import type { Recipe } from '../recipe.types.js';
import { localeGenCommands } from './locale.commands.js';

/** Arch Linux: pacman (no version pins: warned and installed unpinned), systemd, `wheel`. Recipe only here. */
export const archRecipe: Recipe = {
  family: 'arch',
  baseImage: (spec) => ({
    distro: spec.base,
    release: spec.release,
    architecture: spec.architecture,
    reference: `docker.io/library/archlinux:${spec.release}`,
    bootstrap: 'none',
  }),
  installCommand: (words) =>
    `pacman -Syu --noconfirm --needed ${words.join(' ')} && rm -rf /var/cache/pacman/pkg/*`,
  pin: () => undefined,
  basePackages: ['ca-certificates'],
  initPackages: () => [],
  accountPackages: [],
  sudoGroup: 'wheel',
  sshService: 'sshd',
  shellPath: (shell) => `/usr/bin/${shell}`,
  defaultCommand: '/bin/bash',
  localeFile: '/etc/locale.conf',
  localePackages: () => [],
  localeCommands: localeGenCommands,
  zshrcPath: '/etc/zsh/zshrc',
  firewall: {
    nftablesService: 'nftables',
    ufwService: 'ufw',
    iptables: {
      packages: ['iptables'],
      rulesV4: '/etc/iptables/iptables.rules',
      rulesV6: '/etc/iptables/ip6tables.rules',
      services: ['iptables', 'ip6tables'],
    },
  },
  cron: { package: 'cronie', service: 'cronie' },
  fail2banJournalPackages: ['python-systemd'],
  runit: { serviceDir: '/etc/sv', enabledDir: '/etc/service' },
  livePackages: (spec: NormalizedSpec) => ({
    packages: [spec.kernel.version, 'mkinitcpio', 'mkinitcpio-archiso'],
    warnings: ['the live ISO recipe is verified by a real build for Debian only'],
  }),
  needsHostKeyService: false,
};
