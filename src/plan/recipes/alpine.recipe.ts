import type { InitSystem } from '../../spec/spec.schema.js';
import type { NormalizedSpec } from '../../spec/spec.normalize.js';
import type { Recipe } from '../recipe.types.js';
import { isBuiltinLocale } from './locale.commands.js';

/**
 * Alpine: apk, `name=version` pins, musl (no locale generation), OpenRC. The base image has BusyBox only,
 * so `shadow` provides useradd and `bash` is added when a user's shell is bash. Recipe only here.
 */
export const alpineRecipe: Recipe = {
  family: 'alpine',
  baseImage: (spec) => ({
    distro: spec.base,
    release: spec.release,
    architecture: spec.architecture,
    reference: `docker.io/library/alpine:${spec.release}`,
    bootstrap: 'none',
  }),
  installCommand: (words) => `apk add --no-cache ${words.join(' ')}`,
  pin: (name, version) => `${name}=${version}`,
  basePackages: ['ca-certificates'],
  initPackages(init: InitSystem) {
    switch (init) {
      case 'openrc':
        return ['openrc'];
      case 's6':
        return ['s6', 's6-rc'];
      case 'systemd':
      case 'runit':
        return [];
    }
  },
  accountPackages: ['shadow'],
  sudoGroup: 'wheel',
  sshService: 'sshd',
  shellPath: (shell) => (shell === 'fish' ? '/usr/bin/fish' : `/bin/${shell}`),
  defaultCommand: '/bin/sh',
  localeFile: '/etc/profile.d/00-lbe-locale.sh',
  localePackages: (locale) => (isBuiltinLocale(locale) ? [] : ['musl-locales']),
  localeCommands: () => [],
  zshrcPath: '/etc/zsh/zshrc',
  firewall: {
    nftablesService: 'nftables',
    ufwService: 'ufw',
    iptables: {
      packages: ['iptables', 'ip6tables'],
      rulesV4: '/etc/iptables/rules-save',
      rulesV6: '/etc/iptables/rules6-save',
      services: ['iptables', 'ip6tables'],
    },
  },
  cron: { package: 'cronie', service: 'cronie' },
  fail2banJournalPackages: [],
  runit: { serviceDir: '/etc/sv', enabledDir: '/etc/service' },
  livePackages(spec: NormalizedSpec) {
    const warnings = ['the live ISO recipe is verified by a real build for Debian only'];
    if (spec.kernel.version === 'linux-zen' || spec.kernel.version === 'linux-hardened') {
      warnings.push(`kernel.version ${spec.kernel.version} has no Alpine package; linux-lts is used`);
    }
    return { packages: ['linux-lts', 'mkinitfs'], warnings };
  },
  needsHostKeyService: false,
};
