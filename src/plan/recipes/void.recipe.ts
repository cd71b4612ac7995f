import { escapeShellArg } from '../../spec/sanitizer.js';
import type { Recipe } from '../recipe.types.js';
import { isBuiltinLocale, localeGenLine } from './locale.commands.js';

/**
 * Void Linux (glibc): xbps, runit services linked into /etc/runit/runsvdir/default, `wheel`. Pins use xbps'
 * pkgver form `name-version` (Void versions carry a `_revision`, which the user must include). Recipe only.
 */
export const voidRecipe: Recipe = {
  family: 'void',
  baseImage: (spec) => ({
    distro: spec.base,
    release: spec.release,
    architecture: spec.architecture,
    reference: `ghcr.io/void-linux/void-glibc-full:${spec.release}`,
    bootstrap: 'none',
  }),
  installCommand: (words) =>
    `xbps-install -Suy xbps && xbps-install -Suy ${words.join(' ')} && rm -rf /var/cache/xbps/*`,
  pin: (name, version) => `${name}-${version}`,
  basePackages: ['ca-certificates'],
  initPackages: () => [],
  accountPackages: ['shadow'],
  sudoGroup: 'wheel',
  sshService: 'sshd',
  shellPath: (shell) => `/bin/${shell}`,
  defaultCommand: '/bin/bash',
  localeFile: '/etc/locale.conf',
  localePackages: (locale) => (isBuiltinLocale(locale) ? [] : ['glibc-locales']),
  localeCommands: (locale) =>
    isBuiltinLocale(locale)
      ? []
      : [
          `printf '%s\\n' ${escapeShellArg(localeGenLine(locale))} >> /etc/default/libc-locales`,
          'xbps-reconfigure -f glibc-locales',
        ],
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
  fail2banJournalPackages: [],
  runit: { serviceDir: '/etc/sv', enabledDir: '/etc/runit/runsvdir/default' },
  livePackages: () => ({
    packages: ['linux', 'dracut'],
    warnings: ['the live ISO recipe is verified by a real build for Debian only'],
  }),
  needsHostKeyService: false,
};
