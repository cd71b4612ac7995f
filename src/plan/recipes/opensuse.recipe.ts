import type { InitSystem } from '../../spec/spec.schema.js';
import type { Recipe } from '../recipe.types.js';
import { isBuiltinLocale } from './locale.commands.js';

/**
 * openSUSE Tumbleweed (release `tumbleweed`) or Leap (numeric release): zypper, `name-version` pins,
 * `wheel`. openSUSE has no service that loads an iptables-restore file at boot (it uses firewalld), so the
 * iptables backend is written but not loaded (the plan warns). Recipe only here.
 */
export const opensuseRecipe: Recipe = {
  family: 'opensuse',
  baseImage: (spec) => ({
    distro: spec.base,
    release: spec.release,
    architecture: spec.architecture,
    reference:
      spec.release === 'tumbleweed'
        ? 'docker.io/opensuse/tumbleweed:latest'
        : `docker.io/opensuse/leap:${spec.release}`,
    bootstrap: 'none',
  }),
  installCommand: (words) =>
    [
      'zypper --non-interactive refresh',
      `zypper --non-interactive install --no-recommends ${words.join(' ')}`,
      'zypper clean --all',
    ].join(' && '),
  pin: (name, version) => `${name}-${version}`,
  basePackages: ['ca-certificates'],
  initPackages: (init: InitSystem) => (init === 'systemd' ? ['systemd'] : []),
  accountPackages: ['shadow'],
  sudoGroup: 'wheel',
  sshService: 'sshd',
  shellPath: (shell) => (shell === 'bash' ? '/bin/bash' : `/usr/bin/${shell}`),
  defaultCommand: '/bin/bash',
  localeFile: '/etc/locale.conf',
  localePackages: (locale) => (isBuiltinLocale(locale) ? [] : ['glibc-locale']),
  localeCommands: () => [],
  zshrcPath: '/etc/zshrc',
  firewall: {
    nftablesService: 'nftables',
    ufwService: 'ufw',
    iptables: {
      packages: ['iptables'],
      rulesV4: '/etc/sysconfig/iptables',
      rulesV6: '/etc/sysconfig/ip6tables',
      services: [],
    },
  },
  cron: { package: 'cronie', service: 'cron' },
  fail2banJournalPackages: ['python3-systemd'],
  runit: { serviceDir: '/etc/sv', enabledDir: '/etc/service' },
  livePackages: () => ({
    packages: ['kernel-default', 'dracut-kiwi-live'],
    warnings: ['the live ISO recipe is verified by a real build for Debian only'],
  }),
  needsHostKeyService: false,
};
