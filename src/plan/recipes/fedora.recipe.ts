import type { InitSystem } from '../../spec/spec.schema.js';
import type { Recipe } from '../recipe.types.js';
import { isBuiltinLocale } from './locale.commands.js';

/** Fedora: dnf, `name-version` pins, glibc langpacks instead of locale-gen, `wheel`. Recipe only here. */
export const fedoraRecipe: Recipe = {
  family: 'fedora',
  baseImage: (spec) => ({
    distro: spec.base,
    release: spec.release,
    architecture: spec.architecture,
    reference: `docker.io/library/fedora:${spec.release}`,
    bootstrap: 'none',
  }),
  installCommand: (words) =>
    `dnf -y install --setopt=install_weak_deps=False ${words.join(' ')} && dnf clean all`,
  pin: (name, version) => `${name}-${version}`,
  basePackages: ['ca-certificates'],
  initPackages: (init: InitSystem) => (init === 'systemd' ? ['systemd'] : []),
  accountPackages: ['shadow-utils'],
  sudoGroup: 'wheel',
  sshService: 'sshd',
  shellPath: (shell) => (shell === 'bash' ? '/bin/bash' : `/usr/bin/${shell}`),
  defaultCommand: '/bin/bash',
  localeFile: '/etc/locale.conf',
  localePackages: (locale) =>
    isBuiltinLocale(locale) ? [] : [`glibc-langpack-${locale.split('_')[0] ?? 'en'}`],
  localeCommands: () => [],
  zshrcPath: '/etc/zshrc',
  firewall: {
    nftablesService: 'nftables',
    ufwService: 'ufw',
    iptables: {
      packages: ['iptables-services'],
      rulesV4: '/etc/sysconfig/iptables',
      rulesV6: '/etc/sysconfig/ip6tables',
      services: ['iptables', 'ip6tables'],
    },
  },
  cron: { package: 'cronie', service: 'crond' },
  fail2banJournalPackages: ['python3-systemd'],
  runit: { serviceDir: '/etc/sv', enabledDir: '/etc/service' },
  livePackages: () => ({
    packages: ['kernel', 'dracut-live'],
    warnings: ['the live ISO recipe is verified by a real build for Debian only'],
  }),
  needsHostKeyService: false,
};
