import type { Recipe } from '../recipe.types.js';
import { localeGenCommands } from './locale.commands.js';

/**
 * Gentoo: portage from the stage3 image (`gentoo/stage3`, `:systemd` for systemd), category/name atoms,
 * `=atom-version` pins; packages compile from source, so real builds are slow. Recipe only here.
 */
export const gentooRecipe: Recipe = {
  family: 'gentoo',
  baseImage: (spec) => ({
    distro: spec.base,
    release: spec.release,
    architecture: spec.architecture,
    reference: `docker.io/gentoo/stage3:${spec.init === 'systemd' ? 'systemd' : spec.release}`,
    bootstrap: 'none',
  }),
  installCommand: (words) =>
    `emerge-webrsync && emerge --quiet --noreplace ${words.join(' ')} && rm -rf /var/cache/distfiles/*`,
  pin: (name, version) => `=${name}-${version}`,
  basePackages: ['ca-certificates'],
  initPackages: () => [],
  accountPackages: [],
  sudoGroup: 'wheel',
  sshService: 'sshd',
  shellPath: (shell) => `/bin/${shell}`,
  defaultCommand: '/bin/bash',
  localeFile: '/etc/env.d/02locale',
  localePackages: () => [],
  localeCommands: localeGenCommands,
  zshrcPath: '/etc/zsh/zshrc',
  firewall: {
    nftablesService: 'nftables',
    ufwService: 'ufw',
    iptables: {
      packages: ['net-firewall/iptables'],
      rulesV4: '/var/lib/iptables/rules-save',
      rulesV6: '/var/lib/ip6tables/rules-save',
      services: ['iptables', 'ip6tables'],
    },
  },
  cron: { package: 'cronie', service: 'cronie' },
  fail2banJournalPackages: [],
  runit: { serviceDir: '/etc/sv', enabledDir: '/etc/service' },
  livePackages: () => ({
    packages: ['sys-kernel/gentoo-kernel-bin', 'sys-kernel/dracut'],
    warnings: ['the live ISO recipe is verified by a real build for Debian only'],
  }),
  needsHostKeyService: false,
};
