import { z } from 'zod';
import {
  hasControlChars,
  isBackupDestination,
  isBase64,
  isCronSafeSchedule,
  isGroupName,
  isHostname,
  isIpOrCidr,
  isPackageName,
  isSafeAbsolutePath,
  isSafeToken,
  isServiceName,
  isSshPublicKey,
  isUserName,
  validateGitUrl,
} from './sanitizer.js';

/**
 * BuildSpec v1: the shape every entry point speaks (CLI, API, AI). Field names follow the original Linux
 * Builder Engine so its users' specs keep working. Every object is strict: unknown keys are errors.
 * Values that reach files or scripts are validated here; compatibility rules between fields live in
 * `spec.rules.ts`, defaults that depend on other fields in `spec.normalize.ts`.
 */

export const BASES = ['arch', 'debian', 'ubuntu', 'alpine', 'fedora', 'opensuse', 'void', 'gentoo'] as const;
export type Base = (typeof BASES)[number];

export const INIT_SYSTEMS = ['systemd', 'openrc', 'runit', 's6'] as const;
export type InitSystem = (typeof INIT_SYSTEMS)[number];

export const KERNEL_VERSIONS = ['linux', 'linux-lts', 'linux-zen', 'linux-hardened'] as const;
export const ARCHITECTURES = ['x86_64', 'aarch64'] as const;

export const PACKAGE_GROUPS = [
  'base',
  'development',
  'ai_ml',
  'security',
  'networking',
  'databases',
  'servers',
  'multimedia',
  'utils',
] as const;

const str = (check: (v: string) => boolean, allowed: string) => z.string().refine(check, { error: allowed });

const packageName = str(
  isPackageName,
  'must be a package name (letters, digits, + . _ -, starting with a letter or digit), optionally pinned as name=version',
);
const token = str(
  isSafeToken,
  'must be a single token of letters, digits and . _ + : @ = , / - (not starting with -)',
);
const serviceName = str(isServiceName, 'must be a service name like nginx, ssh.service or getty@tty1');
const safePath = str(
  isSafeAbsolutePath,
  'must be an absolute path without . or .. segments, not under /proc, /sys or /dev',
);
const hostname = str(
  (v) => isHostname(v) && v.length <= 64,
  'must be an RFC 1123 host name (letters, digits, inner hyphens; labels of 1-63; 64 characters at most, the kernel limit)',
);
const userName = str(isUserName, 'must be a user name: lowercase letter or _, then up to 31 of a-z 0-9 _ -');
const groupName = str(
  isGroupName,
  'must be a group name: lowercase letter or _, then up to 31 of a-z 0-9 _ -',
);
const port = z.number().int().min(1, { error: 'must be a port from 1 to 65535' }).max(65535, {
  error: 'must be a port from 1 to 65535',
});

export const kernelSchema = z.strictObject({
  version: z.enum(KERNEL_VERSIONS).default('linux'),
  customFlags: z.array(token).max(64).default([]),
  modules: z
    .strictObject({
      enable: z.array(str((v) => /^[a-z0-9_-]{1,64}$/.test(v), 'must be a kernel module name')).default([]),
      disable: z.array(str((v) => /^[a-z0-9_-]{1,64}$/.test(v), 'must be a kernel module name')).default([]),
    })
    .default({ enable: [], disable: [] }),
});

export const filesystemSchema = z.strictObject({
  type: z.enum(['ext4', 'btrfs', 'xfs', 'zfs', 'f2fs']).default('ext4'),
  encryption: z.boolean().default(false),
  compression: z.boolean().default(false),
  snapshots: z.boolean().default(false),
});

export const displaySchema = z.strictObject({
  server: z.enum(['none', 'x11', 'wayland']).default('none'),
  compositor: token.optional(),
  bar: token.optional(),
  launcher: token.optional(),
  terminal: token.optional(),
  theme: token.optional(),
  notifications: token.optional(),
  lockscreen: token.optional(),
});

const packageList = z.array(packageName).max(2000);

/** `packages` in any of the original's three forms; `spec.normalize.ts` flattens them. */
export const packagesSchema = z.union([
  packageList,
  z.strictObject(
    Object.fromEntries(PACKAGE_GROUPS.map((g) => [g, packageList.optional()])) as Record<
      (typeof PACKAGE_GROUPS)[number],
      z.ZodOptional<typeof packageList>
    >,
  ),
  z.record(packageName, z.boolean()),
]);

export const firewallRuleSchema = z.strictObject({
  port: z.union([
    port,
    str((v) => {
      const m = /^(\d{1,5}):(\d{1,5})$/.exec(v);
      return m !== null && Number(m[1]) >= 1 && Number(m[1]) < Number(m[2]) && Number(m[2]) <= 65535;
    }, 'must be a port 1-65535 or a range like "8000:8100"'),
  ]),
  protocol: z.enum(['tcp', 'udp', 'both']).default('tcp'),
  action: z.enum(['allow', 'deny', 'reject']).default('allow'),
  source: str(isIpOrCidr, 'must be an IPv4/IPv6 address or CIDR').optional(),
  comment: str(
    (v) => /^[A-Za-z0-9 ._:,-]{0,64}$/.test(v),
    'must be up to 64 of letters, digits, space . _ : , -',
  ).optional(),
});

export const firewallSchema = z.strictObject({
  enabled: z.boolean().default(true),
  backend: z.enum(['nftables', 'iptables', 'ufw']).default('nftables'),
  policy: z.enum(['deny', 'allow', 'reject']).default('deny'),
  rules: z.array(firewallRuleSchema).max(256).default([]),
});

export const sshSchema = z.strictObject({
  enabled: z.boolean().default(true),
  port: port.default(22),
  permitRootLogin: z.union([z.boolean(), z.literal('prohibit-password')]).default(false),
  passwordAuthentication: z.boolean().default(false),
  fail2ban: z.boolean().default(false),
  maxRetries: z.number().int().min(1).max(100).default(5),
  banTime: z
    .union([
      z.number().int().min(1),
      str((v) => /^\d{1,7}[smhdw]?$/.test(v), 'must be seconds or like 10m, 1h, 1d'),
    ])
    .default(3600),
  allowUsers: z.array(userName).max(64).optional(),
});

/** Sysctl settings selectable by name in `kernelHardening`; a `key=value` entry sets any other sysctl. */
export const KERNEL_HARDENING_SYSCTLS: Readonly<Record<string, string>> = {
  'kernel.kptr_restrict': '2',
  'kernel.dmesg_restrict': '1',
  'kernel.unprivileged_bpf_disabled': '1',
  'kernel.yama.ptrace_scope': '1',
  'kernel.kexec_load_disabled': '1',
  'kernel.randomize_va_space': '2',
  'kernel.sysrq': '0',
  'net.core.bpf_jit_harden': '2',
  'net.ipv4.tcp_syncookies': '1',
  'net.ipv4.conf.all.rp_filter': '1',
  'net.ipv4.conf.default.rp_filter': '1',
  'net.ipv4.conf.all.accept_redirects': '0',
  'net.ipv4.conf.default.accept_redirects': '0',
  'net.ipv4.conf.all.send_redirects': '0',
  'net.ipv4.conf.all.accept_source_route': '0',
  'net.ipv4.conf.all.log_martians': '1',
  'net.ipv4.icmp_echo_ignore_broadcasts': '1',
  'net.ipv6.conf.all.accept_redirects': '0',
  'net.ipv6.conf.default.accept_redirects': '0',
  'net.ipv6.conf.all.accept_source_route': '0',
  'fs.protected_hardlinks': '1',
  'fs.protected_symlinks': '1',
  'fs.protected_fifos': '2',
  'fs.protected_regular': '2',
  'fs.suid_dumpable': '0',
};

const kernelHardeningEntry = str(
  (v) => v in KERNEL_HARDENING_SYSCTLS || /^[a-z0-9_]+(\.[a-z0-9_]+)+=[A-Za-z0-9 ._-]{1,64}$/.test(v),
  `must be one of ${Object.keys(KERNEL_HARDENING_SYSCTLS).join(', ')} or a sysctl assignment like vm.swappiness=10`,
);

export const securityFeaturesSchema = z.strictObject({
  mac: z
    .array(z.enum(['apparmor', 'selinux']))
    .max(2)
    .default([]),
  firewall: firewallSchema.optional(),
  ssh: sshSchema.optional(),
  updates: z
    .strictObject({ automatic: z.boolean().default(false), securityOnly: z.boolean().default(true) })
    .optional(),
  kernelHardening: z.array(kernelHardeningEntry).max(128).default([]),
});

export const userSchema = z.strictObject({
  name: userName,
  uid: z.number().int().min(1000).max(60000).optional(),
  groups: z.array(groupName).max(32).default([]),
  sudo: z.boolean().default(false),
  sudoNoPassword: z.boolean().default(false),
  shell: safePath.default('/bin/bash'),
  sshAuthorizedKeys: z
    .array(
      str(
        isSshPublicKey,
        'must be an OpenSSH public key line (ssh-ed25519, ssh-rsa, ecdsa-sha2-*, sk-*) without options',
      ),
    )
    .max(64)
    .default([]),
  passwordHash: str(
    (v) => /^\$(1|5|6|y|gy|7|2[aby])\$[./A-Za-z0-9$=,]{8,500}$/.test(v),
    'must be a crypt(3) hash such as $6$… or $y$… (never a plain password)',
  ).optional(),
});

export const fileSchema = z
  .strictObject({
    path: safePath,
    content: z.string().max(1_048_576).optional(),
    base64: z
      .string()
      .max(1_400_000, { error: 'must encode at most 1 MiB' })
      .refine(isBase64, { error: 'must be valid base64' })
      .optional(),
    mode: str((v) => /^0?[0-7]{3,4}$/.test(v), 'must be an octal mode like 0644 or 0755').default('0644'),
    owner: str(
      (v) => /^[a-z_][a-z0-9_-]{0,31}(:[a-z_][a-z0-9_-]{0,31})?$/.test(v),
      'must be user or user:group',
    ).default('root:root'),
  })
  .refine((f) => (f.content === undefined) !== (f.base64 === undefined), {
    error: 'exactly one of content or base64 is required',
  });

const serviceGroup = z.array(token).max(32).default([]);

export const servicesSchema = z.strictObject({
  enable: z.array(serviceName).max(128).default([]),
  disable: z.array(serviceName).max(128).default([]),
  databases: serviceGroup,
  monitoring: serviceGroup,
  ai: serviceGroup,
});

export const outputsSchema = z.strictObject({
  docker: z.boolean().default(true),
  iso: z.boolean().default(false),
  rootfs: z.boolean().default(false),
  bootTest: z.boolean().default(false),
});

export const backupSchema = z.strictObject({
  enabled: z.boolean().default(true),
  tool: z.enum(['restic', 'borg']).default('restic'),
  schedule: str(
    isCronSafeSchedule,
    'must be hourly, daily, weekly, monthly or a 5-field cron expression',
  ).default('daily'),
  destination: str(
    isBackupDestination,
    'must be an absolute local path, user@host:path or s3://bucket/path (no spaces, no ..)',
  ),
  paths: z.array(safePath).min(1).max(64).default(['/etc', '/home']),
  retention: z
    .strictObject({
      daily: z.number().int().min(0).max(365).default(7),
      weekly: z.number().int().min(0).max(104).default(4),
      monthly: z.number().int().min(0).max(120).default(6),
    })
    .default({ daily: 7, weekly: 4, monthly: 6 }),
});

export const customizationSchema = z.strictObject({
  shell: z.enum(['bash', 'zsh', 'fish']).default('bash'),
  shellFramework: z.enum(['none', 'oh-my-zsh', 'prezto', 'starship', 'oh-my-fish']).default('none'),
  shellTheme: token.optional(),
  bootloader: z.enum(['grub', 'systemd-boot', 'syslinux']).default('grub'),
  dotfiles: z
    .strictObject({
      repo: str(
        validateGitUrl,
        'must be an https URL on github.com, gitlab.com or bitbucket.org like https://github.com/owner/repo',
      ),
      branch: str(
        (v) => /^[A-Za-z0-9._/-]{1,100}$/.test(v) && !v.startsWith('-') && !v.includes('..'),
        'must be a branch name',
      ).optional(),
      user: userName.optional(),
    })
    .optional(),
});

export const postInstallSchema = z.strictObject({
  scripts: z
    .array(
      z
        .string()
        .min(1)
        .max(65_536)
        .refine((s) => !s.includes('\u0000'), { error: 'must not contain NUL bytes' }),
    )
    .max(32)
    .default([]),
  systemTuning: z
    .union([
      z.boolean(),
      z.strictObject({
        swappiness: z.number().int().min(0).max(200).optional(),
        vfsCachePressure: z.number().int().min(1).max(1000).optional(),
        maxOpenFiles: z.number().int().min(1024).max(16_777_216).optional(),
      }),
    ])
    .default(false),
  services: z.array(serviceName).max(128).default([]),
});

export const defaultsSchema = z.strictObject({
  kernelParams: z.array(token).max(64).default([]),
  keyboard: token.optional(),
});

export const buildSpecSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(64)
    .refine((v) => !hasControlChars(v), { error: 'must not contain control characters' }),
  description: z
    .string()
    .max(2000)
    .refine((v) => !hasControlChars(v.replace(/[\n\t]/g, ' ')), {
      error: 'must not contain control characters other than newline and tab',
    })
    .optional(),
  base: z.enum(BASES, { error: `must be one of ${BASES.join(', ')}` }),
  release: str(
    (v) => /^[a-z0-9][a-z0-9._-]{0,31}$/.test(v),
    'must be a release name like bookworm, 24.04, 3.20',
  ).optional(),
  architecture: z.enum(ARCHITECTURES).default('x86_64'),
  kernel: kernelSchema.default({ version: 'linux', customFlags: [], modules: { enable: [], disable: [] } }),
  init: z.enum(INIT_SYSTEMS).optional(),
  filesystem: filesystemSchema.optional(),
  display: displaySchema.optional(),
  packages: packagesSchema.default([]),
  securityFeatures: securityFeaturesSchema.default({ mac: [], kernelHardening: [] }),
  securityLevel: z.enum(['minimal', 'standard', 'hardened', 'paranoid']).default('standard'),
  hostname: hostname.optional(),
  timezone: str(
    (v) => /^(UTC|[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2}|Etc\/[A-Za-z0-9+-]+)$/.test(v),
    'must be an IANA time zone like Europe/Berlin or UTC',
  ).optional(),
  locale: str(
    (v) => /^(C|POSIX|C\.UTF-8|[a-z]{2,3}_[A-Z]{2}(\.UTF-8)?)$/.test(v),
    'must be a locale like en_US.UTF-8 or C.UTF-8',
  ).optional(),
  users: z.array(userSchema).max(64).default([]),
  files: z.array(fileSchema).max(256).default([]),
  services: servicesSchema.default({ enable: [], disable: [], databases: [], monitoring: [], ai: [] }),
  outputs: outputsSchema.default({ docker: true, iso: false, rootfs: false, bootTest: false }),
  backup: backupSchema.optional(),
  customization: customizationSchema.optional(),
  postInstall: postInstallSchema.optional(),
  defaults: defaultsSchema.optional(),
  sourceDateEpoch: z.number().int().min(0).max(4_102_444_800).optional(),
});

/** What a user writes. */
export type BuildSpecInput = z.input<typeof buildSpecSchema>;
/** After zod defaults, before base-dependent normalization. */
export type ParsedBuildSpec = z.output<typeof buildSpecSchema>;
