/**
 * Validators and escapers for every user value that reaches a file, a script or a command line.
 * Contract: the `is*`/`validate*` functions are pure predicates (never throw); `escapeShellArg` returns a
 * single POSIX-shell word that the shell reads back as exactly its input. Keep this file at 100% coverage.
 */

import { isIP } from 'node:net';
import { posix } from 'node:path';

/**
 * Characters that must never appear in a value that ends up in a file or a script line: C0 and C1 controls,
 * DEL, and the Unicode line/paragraph separators (which some parsers treat as newlines).
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function hasControlChars(value: string): boolean {
  return CONTROL_CHARS.test(value);
}

/**
 * Quotes `value` for a POSIX shell: wraps it in single quotes and turns each `'` into `'\''`.
 * NUL cannot be represented in a shell word, so it is refused.
 */
export function escapeShellArg(value: string): string {
  if (value.includes('\u0000')) throw new TypeError('escapeShellArg: NUL bytes cannot be passed to a shell');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** cuid2 as made by @paralleldrive/cuid2: a lowercase letter then 23–31 lowercase letters or digits. */
export function validateBuildId(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z][a-z0-9]{23,31}$/.test(value);
}

export const ALLOWED_GIT_HOSTS = ['github.com', 'gitlab.com', 'bitbucket.org'] as const;

/**
 * An https URL on an allowlisted host with an `owner/repo` path made of safe characters only: no
 * credentials, no port, no query or fragment, no shell metacharacters, no `..`.
 */
export function validateGitUrl(value: string): boolean {
  if (value.length > 300) return false;
  // The character classes already exclude credentials (@), ports (:), queries, fragments, spaces,
  // control characters and shell metacharacters, so the host is exactly what a URL parser would see.
  const match = /^https:\/\/([a-z0-9.-]+)(\/[A-Za-z0-9._/-]+)$/.exec(value);
  if (match === null) return false;
  const [, host = '', path = ''] = match;
  if (!(ALLOWED_GIT_HOSTS as readonly string[]).includes(host) || path.includes('//')) return false;
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length < 2) return false;
  return segments.every((s) => s !== '.' && s !== '..' && !s.startsWith('-'));
}

/**
 * A distro package name, optionally pinned: `nginx`, `libssl3`, `g++`, `python3.11`, `nginx=1.22.*`.
 * Must start with a letter or digit (so it can never be read as an option), no spaces or metacharacters.
 */
export function sanitizePackageName(value: string): string | undefined {
  const trimmed = value.trim();
  return /^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}(=[A-Za-z0-9.+~:*_-]{1,64})?$/.test(trimmed)
    ? trimmed
    : undefined;
}

export function isPackageName(value: string): boolean {
  return sanitizePackageName(value) === value;
}

/** POSIX-ish login names as useradd accepts them by default on every supported distro. */
export function isUserName(value: string): boolean {
  return /^[a-z_][a-z0-9_-]{0,31}$/.test(value);
}

/** Group names follow the same rule as user names. */
export const isGroupName = isUserName;

const FORBIDDEN_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * An absolute, normalised path (no `.`/`..` segments, no `//`, no trailing `/`), not `/` itself and not under
 * /proc, /sys, /dev. Segments are limited to letters, digits and `. _ + @ , : = ~ -`, so a path never
 * carries spaces, quotes, `$`, backticks, globs or non-ASCII look-alikes into a script or a Dockerfile.
 */
export function isSafeAbsolutePath(value: string): boolean {
  if (value.length === 0 || value.length > 4096) return false;
  if (!/^(\/[A-Za-z0-9._+@,:=~-]+)+$/.test(value)) return false;
  const segments = value.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return false;
  return !FORBIDDEN_ROOTS.some((root) => value === root || value.startsWith(`${root}/`));
}

/**
 * True when `candidate` is `dir` itself or inside it, after resolving `.`/`..` segments and duplicate or
 * trailing slashes of both (purely lexically: symlinks are not followed). Both must be absolute and free of
 * NUL; anything else is false.
 */
export function isPathWithinDir(dir: string, candidate: string): boolean {
  if (!dir.startsWith('/') || !candidate.startsWith('/')) return false;
  if (dir.includes('\u0000') || candidate.includes('\u0000')) return false;
  const root = posix.resolve(dir);
  const resolved = posix.resolve(candidate);
  if (root === '/') return true;
  return resolved === root || resolved.startsWith(`${root}/`);
}

const SSH_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];

/**
 * Splits an SSH wire-format blob into its length-prefixed fields; undefined when the lengths do not add up
 * to exactly the blob's size.
 */
function sshWireFields(blob: Buffer): Buffer[] | undefined {
  const fields: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return undefined;
    const len = blob.readUInt32BE(at);
    if (at + 4 + len > blob.length) return undefined;
    fields.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return fields;
}

/**
 * An OpenSSH public key line: a real key type, canonical base64 key data that decodes to the SSH wire format
 * (length-prefixed fields that add up exactly, the first naming the same type, at least one field of key
 * material), and an optional comment of printable ASCII. Options (`command="…"`) are not accepted.
 */
export function isSshPublicKey(value: string): boolean {
  if (hasControlChars(value) || value.length > 16_384) return false;
  const match = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?: ([\x20-\x7e]{0,256}))?$/.exec(value);
  if (match === null) return false;
  const [, type = '', data = ''] = match;
  if (!SSH_KEY_TYPES.includes(type) || data.length % 4 !== 0) return false;
  const blob = Buffer.from(data, 'base64');
  if (blob.toString('base64') !== data) return false;
  const fields = sshWireFields(blob);
  if (fields === undefined || fields.length < 2) return false;
  return fields[0]?.toString('latin1') === type && fields.slice(1).every((f) => f.length > 0);
}

/** RFC 1123 host name: labels of 1–63 letters, digits and inner hyphens; 253 characters at most. */
export function isHostname(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  return value.split('.').every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

export function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** Strict base64 (RFC 4648, with padding), as used for binary `files[].base64`. */
export function isBase64(value: string): boolean {
  const compact = value.replace(/\s+/g, '');
  return compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact);
}

/**
 * A schedule usable both as a systemd OnCalendar value and a cron line: one of the named periods, or a
 * five-field cron expression made only of digits, `*`, `,`, `-` and `/`.
 */
export function isCronSafeSchedule(value: string): boolean {
  if (['hourly', 'daily', 'weekly', 'monthly'].includes(value)) return true;
  if (value.length > 128) return false;
  const fields = value.split(' ');
  const item = '(\\*|\\d{1,2}(-\\d{1,2})?)(\\/\\d{1,2})?';
  const field = new RegExp(`^${item}(,${item})*$`);
  return fields.length === 5 && fields.every((f) => field.test(f));
}

/** IPv4/IPv6 address or CIDR, for firewall rule sources (no zone ids, no IPv4 leading zeros). */
export function isIpOrCidr(value: string): boolean {
  const [addr = '', prefix, ...rest] = value.split('/');
  if (rest.length > 0 || !/^[0-9A-Fa-f.:]+$/.test(addr)) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** A token safe to place unquoted in a config file or command line: letters, digits and `._+:@=,-/`. */
export function isSafeToken(value: string): boolean {
  return /^[A-Za-z0-9._+:@=,/-]{1,128}$/.test(value) && !value.startsWith('-');
}

/** systemd/OpenRC/runit service names: `nginx`, `ssh.service`, `getty@tty1`. */
export function isServiceName(value: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9@._-]{0,127}$/.test(value);
}

/** Backup destinations: an absolute local path, `user@host:/path` or `user@host:path`, or `s3://bucket/path`. */
export function isBackupDestination(value: string): boolean {
  if (hasControlChars(value) || /\s/.test(value)) return false;
  if (value.startsWith('/')) return isSafeAbsolutePath(value);
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[A-Za-z0-9._/-]*)?$/.exec(value);
  if (s3 !== null) return !value.includes('..');
  const remote = /^([a-z_][a-z0-9_-]{0,31})@([A-Za-z0-9.-]+):([A-Za-z0-9._/-]+)$/.exec(value);
  if (remote === null) return false;
  const [, , host, path] = remote;
  return host !== undefined && path !== undefined && isHostname(host) && !path.split('/').includes('..');
}
