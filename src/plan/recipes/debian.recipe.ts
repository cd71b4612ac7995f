import type { InitSystem } from '../../spec/spec.schema.js';
import type { NormalizedSpec } from '../../spec/spec.normalize.js';
import type { BaseImagePlan } from '../plan.types.js';
import type { LivePackages, PlanOptions, Recipe } from '../recipe.types.js';
import { isBuiltinLocale, localeGenCommands } from './locale.commands.js';

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';
export const DEFAULT_UBUNTU_MIRROR = 'http://archive.ubuntu.com/ubuntu';
export const UBUNTU_PORTS_MIRROR = 'http://ports.ubuntu.com/ubuntu-ports';

/**
 * Debian and Ubuntu: apt, `name=version` pins, the `sudo` group. Container base images lack an init, so
 * systemd images get `systemd-sysv`. The only family really built on this project's machines (Debian).
 */
export const debianRecipe: Recipe = {
  family: 'debian',

  baseImage(spec: NormalizedSpec, options: PlanOptions): BaseImagePlan {
    const ubuntu = spec.base === 'ubuntu';
    const mirror = ubuntu
      ? spec.architecture === 'x86_64'
        ? DEFAULT_UBUNTU_MIRROR
        : UBUNTU_PORTS_MIRROR
      : (options.debianMirror ?? DEFAULT_DEBIAN_MIRROR);
    return {
      distro: spec.base,
      release: spec.release,
      architecture: spec.architecture,
      reference: `docker.io/library/${ubuntu ? 'ubuntu' : 'debian'}:${spec.release}`,
      bootstrap: 'mmdebstrap',
      mirror,
    };
  },

  // The cleanup after the install keeps the packages layer reproducible: apt's package lists and binary
  // caches, ldconfig's aux-cache, apt/dpkg logs (wall-clock times) and the machine id that systemd's postinst
  // invents differ between two otherwise identical builds; an empty /etc/machine-id is made at first boot.
  installCommand(words) {
    return [
      'apt-get update',
      `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${words.join(' ')}`,
      'rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/ldconfig/aux-cache /var/log/apt/*.log /var/log/dpkg.log',
      'if [ -s /etc/machine-id ]; then : > /etc/machine-id; fi',
    ].join(' && ');
  },

  pin: (name, version) => `${name}=${version}`,
  basePackages: ['ca-certificates'],

  initPackages(init: InitSystem) {
    switch (init) {
      case 'systemd':
        return ['systemd-sysv'];
      case 'openrc':
        return ['openrc'];
      case 'runit':
        return ['runit-init'];
      case 's6':
        return [];
    }
  },

  accountPackages: [],
  sudoGroup: 'sudo',
  sshService: 'ssh',
  shellPath: (shell) => `/bin/${shell}`,
  defaultCommand: '/bin/bash',
  localeFile: '/etc/default/locale',
  localePackages: (locale) => (isBuiltinLocale(locale) ? [] : ['locales']),
  localeCommands: localeGenCommands,
  zshrcPath: '/etc/zsh/zshrc',
  firewall: {
    nftablesService: 'nftables',
    ufwService: 'ufw',
    iptables: {
      packages: ['iptables', 'iptables-persistent'],
      rulesV4: '/etc/iptables/rules.v4',
      rulesV6: '/etc/iptables/rules.v6',
      services: ['netfilter-persistent'],
    },
  },
  cron: { package: 'cron', service: 'cron' },
  fail2banJournalPackages: ['python3-systemd'],
  runit: { serviceDir: '/etc/sv', enabledDir: '/etc/service' },

  livePackages(spec: NormalizedSpec): LivePackages {
    const warnings: string[] = [];
    if (spec.kernel.version !== 'linux') {
      warnings.push(
        `kernel.version ${spec.kernel.version} has no ${spec.base} package; the distribution kernel is used`,
      );
    }
    const kernel =
      spec.base === 'ubuntu'
        ? 'linux-image-generic'
        : spec.architecture === 'x86_64'
          ? 'linux-image-amd64'
          : 'linux-image-arm64';
    const init = spec.init === 'systemd' ? ['systemd-sysv'] : [];
    return { packages: [kernel, 'live-boot', ...init], warnings };
  },

  needsHostKeyService: true,
};
