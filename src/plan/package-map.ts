import type { Base } from '../spec/spec.schema.js';
import type { DistroFamily } from './plan.types.js';

/**
 * Abstract package names → distro package names, per family (Ubuntu may override Debian). A name that is
 * not in this map is taken to be a distro package name already and passes through unchanged.
 * Contract of a mapping: a string or list = install these; an empty list = nothing needed (already part of
 * the base); `{ unavailable }` = the distro does not offer it (the plan warns and installs nothing).
 * Gentoo uses category/name atoms.
 */
export interface Unavailable {
  readonly unavailable: string;
}
export type PackageMapping = string | readonly string[] | Unavailable;

export interface PackageMapEntry {
  /** The abstract name first, then aliases; all lowercase. */
  readonly names: readonly string[];
  readonly families: Readonly<Record<DistroFamily, PackageMapping>>;
  /** Ubuntu differences from the Debian column. */
  readonly ubuntu?: PackageMapping;
  /** Service (unit) name to enable when the package is requested as a service (`services.databases` …). */
  readonly service?: Readonly<Partial<Record<DistroFamily, string>>> & { readonly default: string };
}

const na = (why: string): Unavailable => ({ unavailable: why });

/** Same name on every family; Gentoo gets `atom`. */
function same(name: string, atom: string): Readonly<Record<DistroFamily, PackageMapping>> {
  return { debian: name, alpine: name, arch: name, fedora: name, opensuse: name, void: name, gentoo: atom };
}

const NOT_IN_DEBIAN = 'not packaged by Debian; add its vendor repository in a postInstall script';

export const PACKAGE_MAP: readonly PackageMapEntry[] = [
  {
    names: ['ssh', 'openssh', 'openssh-server', 'sshd'],
    families: {
      debian: 'openssh-server',
      alpine: 'openssh',
      arch: 'openssh',
      fedora: 'openssh-server',
      opensuse: 'openssh-server',
      void: 'openssh',
      gentoo: 'net-misc/openssh',
    },
  },
  {
    names: ['python', 'python3'],
    families: {
      debian: 'python3',
      alpine: 'python3',
      arch: 'python',
      fedora: 'python3',
      opensuse: 'python3',
      void: 'python3',
      gentoo: 'dev-lang/python',
    },
  },
  {
    names: ['pip', 'python3-pip', 'python-pip'],
    families: {
      debian: 'python3-pip',
      alpine: 'py3-pip',
      arch: 'python-pip',
      fedora: 'python3-pip',
      opensuse: 'python3-pip',
      void: 'python3-pip',
      gentoo: 'dev-python/pip',
    },
  },
  {
    names: ['build-essential', 'base-devel', 'development tools', 'development-tools', 'build-base'],
    families: {
      debian: 'build-essential',
      alpine: 'build-base',
      arch: 'base-devel',
      fedora: ['gcc', 'gcc-c++', 'make'],
      opensuse: ['gcc', 'gcc-c++', 'make'],
      void: 'base-devel',
      gentoo: [],
    },
  },
  {
    names: ['docker', 'docker.io', 'docker-ce'],
    families: {
      debian: 'docker.io',
      alpine: 'docker',
      arch: 'docker',
      fedora: 'moby-engine',
      opensuse: 'docker',
      void: 'docker',
      gentoo: 'app-containers/docker',
    },
    service: { default: 'docker' },
  },
  {
    names: ['nodejs', 'node'],
    families: { ...same('nodejs', 'net-libs/nodejs'), opensuse: 'nodejs-default' },
  },
  {
    names: ['npm'],
    families: { ...same('npm', 'net-libs/nodejs'), opensuse: 'npm-default', void: 'nodejs' },
  },
  {
    names: ['postgresql', 'postgres'],
    families: {
      debian: 'postgresql',
      alpine: 'postgresql16',
      arch: 'postgresql',
      fedora: 'postgresql-server',
      opensuse: 'postgresql-server',
      void: 'postgresql16',
      gentoo: 'dev-db/postgresql',
    },
    service: { default: 'postgresql', void: 'postgresql16' },
  },
  {
    names: ['redis', 'redis-server'],
    families: { ...same('redis', 'dev-db/redis'), debian: 'redis-server', arch: 'valkey' },
    service: { default: 'redis', debian: 'redis-server', arch: 'valkey' },
  },
  {
    names: ['mariadb', 'mysql', 'mariadb-server'],
    families: {
      ...same('mariadb', 'dev-db/mariadb'),
      debian: 'mariadb-server',
      fedora: 'mariadb-server',
    },
    service: { default: 'mariadb', void: 'mysqld', alpine: 'mariadb' },
  },
  {
    names: ['mongodb', 'mongo', 'mongodb-server'],
    families: {
      debian: na('not packaged by Debian (SSPL licence); use MongoDB’s own repository'),
      alpine: na('not packaged by Alpine (SSPL licence)'),
      arch: na('only in the AUR (SSPL licence)'),
      fedora: na('not packaged by Fedora (SSPL licence)'),
      opensuse: na('not packaged by openSUSE (SSPL licence)'),
      void: na('not packaged by Void (SSPL licence)'),
      gentoo: 'dev-db/mongodb',
    },
    service: { default: 'mongodb' },
  },
  { names: ['nginx'], families: same('nginx', 'www-servers/nginx'), service: { default: 'nginx' } },
  {
    names: ['apache', 'apache2', 'httpd'],
    families: {
      debian: 'apache2',
      alpine: 'apache2',
      arch: 'apache',
      fedora: 'httpd',
      opensuse: 'apache2',
      void: 'apache',
      gentoo: 'www-servers/apache',
    },
    service: { default: 'apache2', arch: 'httpd', fedora: 'httpd', void: 'apache' },
  },
  {
    names: ['fail2ban'],
    families: same('fail2ban', 'net-analyzer/fail2ban'),
    service: { default: 'fail2ban' },
  },
  { names: ['nftables'], families: same('nftables', 'net-firewall/nftables') },
  { names: ['iptables'], families: same('iptables', 'net-firewall/iptables') },
  {
    names: ['ufw'],
    families: {
      ...same('ufw', 'net-firewall/ufw'),
      opensuse: na('not in the openSUSE main repository (openSUSE uses firewalld)'),
    },
  },
  { names: ['restic'], families: same('restic', 'app-backup/restic') },
  {
    names: ['borg', 'borgbackup'],
    families: { ...same('borgbackup', 'app-backup/borgbackup'), arch: 'borg', void: 'borg' },
  },
  { names: ['zsh'], families: same('zsh', 'app-shells/zsh') },
  { names: ['fish'], families: { ...same('fish', 'app-shells/fish'), void: 'fish-shell' } },
  { names: ['bash'], families: same('bash', 'app-shells/bash') },
  { names: ['git'], families: same('git', 'dev-vcs/git') },
  { names: ['curl'], families: same('curl', 'net-misc/curl') },
  { names: ['wget'], families: same('wget', 'net-misc/wget') },
  { names: ['vim'], families: { ...same('vim', 'app-editors/vim'), fedora: 'vim-enhanced' } },
  { names: ['neovim', 'nvim'], families: same('neovim', 'app-editors/neovim') },
  { names: ['nano'], families: same('nano', 'app-editors/nano') },
  { names: ['htop'], families: same('htop', 'sys-process/htop') },
  { names: ['tmux'], families: same('tmux', 'app-misc/tmux') },
  { names: ['jq'], families: same('jq', 'app-misc/jq') },
  { names: ['rsync'], families: same('rsync', 'net-misc/rsync') },
  { names: ['unzip'], families: same('unzip', 'app-arch/unzip') },
  { names: ['sudo'], families: same('sudo', 'app-admin/sudo') },
  { names: ['ca-certificates'], families: same('ca-certificates', 'app-misc/ca-certificates') },
  {
    names: ['tzdata'],
    families: { ...same('tzdata', 'sys-libs/timezone-data'), opensuse: 'timezone' },
  },
  {
    names: ['gnupg', 'gpg'],
    families: { ...same('gnupg', 'app-crypt/gnupg'), fedora: 'gnupg2', opensuse: 'gpg2' },
  },
  {
    names: ['iproute2', 'iproute'],
    families: { ...same('iproute2', 'sys-apps/iproute2'), fedora: 'iproute' },
  },
  {
    names: ['dnsutils', 'bind-utils', 'bind-tools', 'dig'],
    families: {
      debian: 'dnsutils',
      alpine: 'bind-tools',
      arch: 'bind',
      fedora: 'bind-utils',
      opensuse: 'bind-utils',
      void: 'bind-utils',
      gentoo: 'net-dns/bind-tools',
    },
  },
  {
    names: ['apparmor'],
    families: {
      ...same('apparmor', 'sys-apps/apparmor'),
      fedora: na('Fedora uses SELinux; AppArmor is not packaged'),
      opensuse: 'apparmor-parser',
    },
    service: { default: 'apparmor' },
  },
  {
    names: ['apparmor-utils'],
    families: {
      ...same('apparmor-utils', 'sys-apps/apparmor-utils'),
      arch: [],
      void: [],
      fedora: na('Fedora uses SELinux; AppArmor is not packaged'),
    },
  },
  {
    names: ['cron', 'cronie'],
    families: { ...same('cronie', 'sys-process/cronie'), debian: 'cron' },
    service: { default: 'cronie', debian: 'cron', fedora: 'crond', opensuse: 'cron' },
  },
  {
    names: ['prometheus'],
    families: {
      ...same('prometheus', 'net-analyzer/prometheus'),
      fedora: na('not packaged by Fedora; use the upstream release'),
      opensuse: 'golang-github-prometheus-prometheus',
    },
    service: { default: 'prometheus' },
  },
  {
    names: ['prometheus-node-exporter', 'node-exporter', 'node_exporter'],
    families: {
      debian: 'prometheus-node-exporter',
      alpine: 'prometheus-node-exporter',
      arch: 'prometheus-node-exporter',
      fedora: 'golang-github-prometheus-node-exporter',
      opensuse: 'golang-github-prometheus-node_exporter',
      void: 'node_exporter',
      gentoo: 'app-metrics/node_exporter',
    },
    service: {
      default: 'prometheus-node-exporter',
      alpine: 'node-exporter',
      fedora: 'node_exporter',
      void: 'node_exporter',
      gentoo: 'node_exporter',
    },
  },
  {
    names: ['grafana'],
    families: {
      debian: na(NOT_IN_DEBIAN),
      alpine: 'grafana',
      arch: 'grafana',
      fedora: 'grafana',
      opensuse: 'grafana',
      void: 'grafana',
      gentoo: 'www-apps/grafana-bin',
    },
    ubuntu: na('not packaged by Ubuntu; add Grafana’s APT repository in a postInstall script'),
    service: { default: 'grafana-server', arch: 'grafana', alpine: 'grafana', void: 'grafana' },
  },
  {
    names: ['ollama'],
    families: {
      debian: na('not packaged by Debian; install it from ollama.com in a postInstall script'),
      alpine: na('not packaged for this Alpine release'),
      arch: 'ollama',
      fedora: na('not packaged for this Fedora release'),
      opensuse: 'ollama',
      void: na('not packaged by Void'),
      gentoo: na('not in the Gentoo main tree'),
    },
    ubuntu: na('not packaged by Ubuntu; install it from ollama.com in a postInstall script'),
    service: { default: 'ollama' },
  },
  {
    names: ['starship'],
    families: {
      ...same('starship', 'app-shells/starship'),
      debian: na('not packaged by Debian bookworm'),
      fedora: na('not packaged by Fedora (COPR only)'),
    },
    ubuntu: 'starship',
  },
  {
    names: ['systemd-sysv'],
    families: {
      debian: 'systemd-sysv',
      alpine: na('Alpine does not ship systemd'),
      arch: [],
      fedora: [],
      opensuse: [],
      void: na('Void does not ship systemd'),
      gentoo: [],
    },
  },
];

const BY_NAME: ReadonlyMap<string, PackageMapEntry> = new Map(
  PACKAGE_MAP.flatMap((entry) => entry.names.map((name) => [name, entry] as const)),
);

/** The map entry for an abstract name or alias (case-insensitive), if any. */
export function findPackageEntry(name: string): PackageMapEntry | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export type PackageLookup =
  | { readonly kind: 'mapped'; readonly packages: readonly string[] }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'passthrough'; readonly packages: readonly [string] };

/** Resolves one requested name for `base` (Ubuntu overrides apply). Pure. */
export function lookupPackage(name: string, base: Base, family: DistroFamily): PackageLookup {
  const entry = findPackageEntry(name);
  if (entry === undefined) return { kind: 'passthrough', packages: [name] };
  const mapping = base === 'ubuntu' && entry.ubuntu !== undefined ? entry.ubuntu : entry.families[family];
  if (typeof mapping === 'string') return { kind: 'mapped', packages: [mapping] };
  if ('unavailable' in mapping) return { kind: 'unavailable', reason: mapping.unavailable };
  return { kind: 'mapped', packages: mapping };
}

/** The service name of a map entry on `family`, when it is a service. */
export function serviceNameFor(name: string, family: DistroFamily): string | undefined {
  const service = findPackageEntry(name)?.service;
  return service === undefined ? undefined : (service[family] ?? service.default);
}
