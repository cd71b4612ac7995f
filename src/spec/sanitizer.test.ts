import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeShellArg,
  hasControlChars,
  isBackupDestination,
  isBase64,
  isCronSafeSchedule,
  isGroupName,
  isHostname,
  isIpOrCidr,
  isPackageName,
  isPathWithinDir,
  isPort,
  isSafeAbsolutePath,
  isSafeToken,
  isServiceName,
  isSshPublicKey,
  isUserName,
  sanitizePackageName,
  validateBuildId,
  validateGitUrl,
} from './sanitizer.js';

const ED25519 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKIAycsk2DbnK0Uyfyzl+7zA3jjx1VfFE+SLLr4n29Ni test@example';
const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQClK+ol8Q9Fvze8D3EKfNfE8/QoR1mvv9vnAT+6tcnvFtW9zELSkmaJQLbdwfLui/QYtzLXv9PWJkD2KaHRC06Poji5FW37mFJWrqPXnwE6/EtuzhdXGrC30yCihkdvhqD/PH/Z5pdQA0zjXfodHJONgL9fiNf5bc5QfAoPNC/mQiozO7QKoYpy2Tu4bVZIXWTsdw0p4RJuf2FpfYRZxV/vMxjy9TJXz+Zt+9ve4X4Cc+VIBD0nULSY1ABwzfW2It7S06PkWOmYbCgM0u06LTO5scD0KkgUcxse2EDSYt/UaXv2IfRArE8vguUYABYBcbDHZ6TANp/eBCRmxjFrZgDD';
const ECDSA =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFtRhQLwHX2bBvTmlBp4cSMdBxtn1wxdTlHVlkWc1BQmxKtyoCkCS+QlwzAYsDNpzlOwEPyGzUxfjl5wJoKGAgY= me@host';

/** SSH wire format: each field as uint32 length + bytes, base64-encoded. */
function wire(...fields: (string | Buffer)[]): string {
  return Buffer.concat(
    fields.map((f) => {
      const b = typeof f === 'string' ? Buffer.from(f, 'latin1') : f;
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    }),
  ).toString('base64');
}

/** What the real shell prints for `printf %s <escaped>`. */
function shellEcho(value: string): string {
  return execFileSync('sh', ['-c', `printf %s ${escapeShellArg(value)}`], { encoding: 'utf8' });
}

const NASTY = [
  '',
  ' ',
  "'",
  "''",
  "'\\''",
  '"',
  '\\',
  '$(whoami)',
  '`id`',
  '; rm -rf /',
  '&& reboot',
  '| cat /etc/shadow',
  '$HOME ${PATH} $1 $@ $*',
  'a\nb\r\nc',
  '\t-o ProxyCommand=sh',
  '-rf',
  '--help',
  '* ? [a-z] ~',
  "' OR 1=1 --",
  '../../etc/passwd',
  'naïve 日本語 🐧 \u202e rtl',
  '!!',
  '%s %n',
];

describe('escapeShellArg', () => {
  it('wraps in single quotes and escapes embedded quotes', () => {
    expect(escapeShellArg('abc')).toBe("'abc'");
    expect(escapeShellArg('')).toBe("''");
    expect(escapeShellArg("it's")).toBe("'it'\\''s'");
  });

  it('refuses NUL, which no shell word can carry', () => {
    expect(() => escapeShellArg('a\u0000b')).toThrow(TypeError);
  });

  it.each(NASTY)('the real shell reads back %j exactly', (value) => {
    expect(shellEcho(value)).toBe(value);
  });

  it('property: sh -c "printf %s <escaped>" prints any NUL-free string exactly', () => {
    const noNul = (s: string): string => s.replaceAll('\u0000', '');
    const arb = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }).map(noNul),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.string({
        unit: fc.constantFrom("'", '"', '\\', '$', '`', ';', '\n', ' ', '(', ')', '-', '*'),
        maxLength: 30,
      }),
      fc.constantFrom(...NASTY),
    );
    // Lone surrogates cannot round-trip through UTF-8 at all, so they are replaced as any encoder would.
    const wellFormed = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');
    fc.assert(
      fc.property(arb, (s) => {
        expect(shellEcho(s)).toBe(wellFormed(s));
      }),
      { numRuns: 200 },
    );
  });
});

describe('validateBuildId', () => {
  it('accepts cuid2 ids', () => {
    expect(validateBuildId('tz4a98xxat96iws9zmbrgj3a')).toBe(true);
    expect(validateBuildId('a'.repeat(32))).toBe(true);
  });
  it.each([
    ['empty', ''],
    ['too short', 'abc'],
    ['uppercase', 'TZ4A98XXAT96IWS9ZMBRGJ3A'],
    ['leading digit', '1z4a98xxat96iws9zmbrgj3a'],
    ['path traversal', '../../../etc/passwd'],
    ['SQL', "x' OR '1'='1' --aaaaaaaaaaaa"],
    ['too long', 'a'.repeat(33)],
    ['newline', 'tz4a98xxat96iws9zmbrgj3a\n'],
  ])('rejects %s', (_label, value) => {
    expect(validateBuildId(value)).toBe(false);
  });
  it('rejects non-strings', () => {
    expect(validateBuildId(42)).toBe(false);
    expect(validateBuildId(undefined)).toBe(false);
  });
});

describe('validateGitUrl', () => {
  it.each([
    'https://github.com/owner/repo',
    'https://gitlab.com/group/sub/repo.git',
    'https://bitbucket.org/o/r',
  ])('accepts %s', (url) => {
    expect(validateGitUrl(url)).toBe(true);
  });
  it.each([
    ['http', 'http://github.com/o/r'],
    ['other host', 'https://evil.com/o/r'],
    ['look-alike host', 'https://github.com.evil.com/o/r'],
    ['credentials', 'https://user:pw@github.com/o/r'],
    ['port', 'https://github.com:8443/o/r'],
    ['query', 'https://github.com/o/r?x=1'],
    ['fragment', 'https://github.com/o/r#x'],
    ['command substitution', 'https://github.com/o/$(whoami)'],
    ['backticks', 'https://github.com/o/`id`'],
    ['semicolon', 'https://github.com/o/r;rm -rf /'],
    ['space', 'https://github.com/o/r x'],
    ['newline', 'https://github.com/o/r\n'],
    ['dot-dot', 'https://github.com/o/../r'],
    ['dot segment', 'https://github.com/./r'],
    ['option-like segment', 'https://github.com/-oProxyCommand=x/r'],
    ['only owner', 'https://github.com/owner'],
    ['double slash', 'https://github.com//owner/repo'],
    ['ssh form', 'git@github.com:o/r.git'],
    ['too long', `https://github.com/o/${'r'.repeat(300)}`],
    ['empty', ''],
    ['invalid host label', 'https://-github.com/o/r'],
  ])('rejects %s', (_label, url) => {
    expect(validateGitUrl(url)).toBe(false);
  });
  it('rejects malformed hosts', () => {
    expect(validateGitUrl('https://a..b/o/r')).toBe(false);
  });
});

describe('sanitizePackageName / isPackageName', () => {
  it.each(['nginx', 'libssl3', 'g++', 'python3.11', 'nginx=1.22.*', 'openssh-server=1:9.2p1-2+deb12u3', 'R'])(
    'accepts %s',
    (name) => {
      expect(sanitizePackageName(name)).toBe(name);
      expect(isPackageName(name)).toBe(true);
    },
  );
  it('trims surrounding space but isPackageName wants the exact value', () => {
    expect(sanitizePackageName('  curl ')).toBe('curl');
    expect(isPackageName(' curl')).toBe(false);
  });
  it.each([
    ['empty', ''],
    ['option', '-oDebug::pkgProblemResolver=1'],
    ['long option', '--allow-unauthenticated'],
    ['command substitution', '$(whoami)'],
    ['backticks', '`id`'],
    ['semicolon', 'curl; rm -rf /'],
    ['space', 'curl wget'],
    ['newline', 'curl\nwget'],
    ['NUL', 'curl\u0000'],
    ['unicode', 'cürl'],
    ['path', '../etc/passwd'],
    ['empty pin', 'nginx='],
    ['pin with space', 'nginx=1 2'],
    ['too long', 'a'.repeat(129)],
  ])('rejects %s', (_label, name) => {
    expect(sanitizePackageName(name)).toBeUndefined();
    expect(isPackageName(name)).toBe(false);
  });
});

describe('user and group names', () => {
  it('accepts login names', () => {
    expect(isUserName('alice')).toBe(true);
    expect(isUserName('_svc-1')).toBe(true);
    expect(isGroupName('docker')).toBe(true);
  });
  it.each(['', 'Alice', '1abc', '-o', 'a b', 'a;b', 'a'.repeat(33), 'ålice', 'a\n'])('rejects %j', (name) => {
    expect(isUserName(name)).toBe(false);
  });
});

describe('isSafeAbsolutePath', () => {
  it.each([
    '/etc/issue',
    '/var/www/html/index.html',
    '/home/alice/.config/app.conf',
    '/opt/a_b-c+d@e,f:g=h~i',
  ])('accepts %s', (p) => {
    expect(isSafeAbsolutePath(p)).toBe(true);
  });
  it.each([
    ['empty', ''],
    ['relative', 'etc/passwd'],
    ['root', '/'],
    ['dot-dot', '/etc/../root/.ssh'],
    ['dot', '/etc/./x'],
    ['double slash', '/etc//x'],
    ['trailing slash', '/etc/'],
    ['proc', '/proc/self/mem'],
    ['proc itself', '/proc'],
    ['sys', '/sys/kernel'],
    ['dev', '/dev/sda'],
    ['newline', '/etc/x\ny'],
    ['NUL', '/etc/x\u0000'],
    ['space', '/etc/my file'],
    ['command substitution', '/tmp/$(whoami)'],
    ['backticks', '/tmp/`id`'],
    ['quote', "/tmp/it's"],
    ['glob', '/etc/*'],
    ['unicode look-alike', '/etc/pаsswd'],
    ['too long', `/${'a'.repeat(4096)}`],
  ])('rejects %s', (_label, p) => {
    expect(isSafeAbsolutePath(p)).toBe(false);
  });
  it('allows names that only start like a forbidden root', () => {
    expect(isSafeAbsolutePath('/devices/x')).toBe(true);
    expect(isSafeAbsolutePath('/system')).toBe(true);
  });
});

describe('isPathWithinDir', () => {
  it.each([
    ['/srv/artifacts', '/srv/artifacts'],
    ['/srv/artifacts', '/srv/artifacts/b1/image.tar'],
    ['/srv/artifacts/', '/srv/artifacts'],
    ['/srv/artifacts', '/srv/artifacts/b1/../b2/x'],
    ['/', '/anything/at/all'],
  ])('%s contains %s', (dir, p) => {
    expect(isPathWithinDir(dir, p)).toBe(true);
  });
  it.each([
    ['sibling with same prefix', '/srv/artifacts', '/srv/artifacts-old/x'],
    ['escape with ..', '/srv/artifacts', '/srv/artifacts/../../etc/passwd'],
    ['parent', '/srv/artifacts', '/srv'],
    ['relative candidate', '/srv/artifacts', 'artifacts/x'],
    ['relative dir', 'srv', '/srv/x'],
    ['NUL in candidate', '/srv/artifacts', '/srv/artifacts/x\u0000/y'],
    ['NUL in dir', '/srv\u0000', '/srv/x'],
  ])('rejects %s', (_label, dir, p) => {
    expect(isPathWithinDir(dir, p)).toBe(false);
  });
});

describe('isSshPublicKey', () => {
  it.each([ED25519, RSA, ECDSA, ED25519.split(' ').slice(0, 2).join(' ')])('accepts a real key %#', (key) => {
    expect(isSshPublicKey(key)).toBe(true);
  });
  const [, ed25519Data = ''] = ED25519.split(' ');
  it.each([
    ['empty', ''],
    ['unknown type', `ssh-foo ${ed25519Data}`],
    ['dss', `ssh-dss ${ed25519Data}`],
    ['type mismatch', `ssh-rsa ${ed25519Data}`],
    ['options prefix', `command="rm -rf /" ${ED25519}`],
    ['newline', `${ED25519}\nssh-ed25519 ${ed25519Data}`],
    ['two spaces', `ssh-ed25519  ${ed25519Data}`],
    ['leading space', ` ${ED25519}`],
    ['bad base64 length', `ssh-ed25519 ${ed25519Data}A`],
    ['non-canonical base64', ECDSA.replace('AgY=', 'AgZ=')],
    ['type only', `ssh-ed25519 ${wire('ssh-ed25519')}`],
    ['empty key field', `ssh-ed25519 ${wire('ssh-ed25519', '')}`],
    ['truncated length prefix', `ssh-ed25519 ${Buffer.from([0, 0, 0]).toString('base64')}`],
    [
      'length past the end',
      `ssh-ed25519 ${Buffer.concat([Buffer.from(wire('ssh-ed25519', 'k'), 'base64'), Buffer.from([0, 0, 0, 9, 1])]).toString('base64')}`,
    ],
    [
      'trailing partial field',
      `ssh-ed25519 ${Buffer.concat([Buffer.from(wire('ssh-ed25519', 'k'), 'base64'), Buffer.from([0, 0])]).toString('base64')}`,
    ],
    ['non-ASCII comment', `${ED25519} ünïcode`],
    ['too long', `${ED25519} ${'x'.repeat(16_384)}`],
  ])('rejects %s', (_label, key) => {
    expect(isSshPublicKey(key)).toBe(false);
  });
  it('accepts a hand-built wire blob with key material', () => {
    expect(isSshPublicKey(`ssh-ed25519 ${wire('ssh-ed25519', Buffer.alloc(32, 7))}`)).toBe(true);
  });
});

describe('hostnames, ports, base64, tokens, services', () => {
  it('isHostname follows RFC 1123', () => {
    expect(isHostname('web01')).toBe(true);
    expect(isHostname('a.example.com')).toBe(true);
    expect(isHostname('1host')).toBe(true);
    for (const bad of [
      '',
      '-web',
      'web-',
      'we_b',
      'a..b',
      'a.',
      'x'.repeat(64),
      `${'a.'.repeat(127)}a`,
      'héllo',
      'a b',
      'a;b',
    ]) {
      expect(isHostname(bad)).toBe(false);
    }
  });
  it('isPort accepts 1-65535 integers only', () => {
    expect(isPort(1)).toBe(true);
    expect(isPort(65535)).toBe(true);
    for (const bad of [0, 65536, -1, 22.5, Number.NaN]) expect(isPort(bad)).toBe(false);
  });
  it('isBase64 is strict about alphabet and padding', () => {
    for (const ok of ['', 'aGk=', 'aGVsbG8=', 'aGVs\nbG8=', 'AAAA']) expect(isBase64(ok)).toBe(true);
    for (const bad of ['a', 'aGk', 'aG=k', '====', 'a===', 'aGk$', '$(id)'])
      expect(isBase64(bad)).toBe(false);
  });
  it('isSafeToken', () => {
    expect(isSafeToken('Adwaita-dark')).toBe(true);
    expect(isSafeToken('CONFIG_X=y')).toBe(true);
    for (const bad of ['', '-x', 'a b', '$(id)', 'a;b', 'x'.repeat(129)])
      expect(isSafeToken(bad)).toBe(false);
  });
  it('isServiceName', () => {
    for (const ok of ['nginx', 'ssh.service', 'getty@tty1']) expect(isServiceName(ok)).toBe(true);
    for (const bad of ['', '-x', 'a b', 'a/b', '$(id)']) expect(isServiceName(bad)).toBe(false);
  });
  it('hasControlChars sees C0, DEL, C1 and Unicode line separators', () => {
    for (const c of ['\u0000', '\n', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029']) {
      expect(hasControlChars(`a${c}b`)).toBe(true);
    }
    expect(hasControlChars('naïve 🐧')).toBe(false);
  });
});

describe('isCronSafeSchedule', () => {
  it.each([
    'hourly',
    'daily',
    'weekly',
    'monthly',
    '0 3 * * *',
    '*/15 * * * *',
    '0 1-5 * * 1,3,5',
    '5 4 1-31/2 * *',
  ])('accepts %s', (v) => {
    expect(isCronSafeSchedule(v)).toBe(true);
  });
  it.each([
    ['too few fields', '0 3 * *'],
    ['too many fields', '0 3 * * * *'],
    ['command', '0 3 * * * rm -rf /'],
    ['newline injection', '0 3 * * *\n* * * * * root id'],
    ['trailing newline', '0 3 * * *\n'],
    ['double space', '0  3 * * *'],
    ['letters', '0 3 * * mon'],
    ['empty item', '0 3,, * * *'],
    ['substitution', '$(id) * * * *'],
    ['too long', `${'1,'.repeat(70)}1 * * * *`],
    ['empty', ''],
  ])('rejects %s', (_label, v) => {
    expect(isCronSafeSchedule(v)).toBe(false);
  });
});

describe('isIpOrCidr', () => {
  it.each(['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '::1', 'fe80::/10', '2001:db8::1/128'])(
    'accepts %s',
    (v) => {
      expect(isIpOrCidr(v)).toBe(true);
    },
  );
  it.each([
    '',
    '10.0.0.256',
    '10.0.0',
    '010.0.0.1',
    '10.0.0.0/33',
    '::1/129',
    '1:2',
    'fe80::1%eth0',
    '10.0.0.0/8/8',
    '10.0.0.0/x',
    'a.b.c.d',
    '; id',
  ])('rejects %j', (v) => {
    expect(isIpOrCidr(v)).toBe(false);
  });
});

describe('isBackupDestination', () => {
  it.each([
    '/var/backups/restic',
    'borg@backup.example.com:/srv/borg',
    'u@host:repo',
    's3://my-bucket/prefix/x',
    's3://my-bucket',
  ])('accepts %s', (v) => {
    expect(isBackupDestination(v)).toBe(true);
  });
  it.each([
    ['space', '/var/my backups'],
    ['newline', '/var/b\n'],
    ['relative', 'backups'],
    ['local dot-dot', '/var/../etc'],
    ['s3 dot-dot', 's3://my-bucket/../x'],
    ['s3 bad bucket', 's3://B/x'],
    ['remote dot-dot', 'u@host:../etc'],
    ['remote bad host', 'u@-host:repo'],
    ['remote option', '-oProxyCommand=id@host:x'],
    ['substitution', 'u@host:$(id)'],
  ])('rejects %s', (_label, v) => {
    expect(isBackupDestination(v)).toBe(false);
  });
});
