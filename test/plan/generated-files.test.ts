import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASES, validateSpec } from '../../src/spec/index.js';
import { plan } from '../../src/plan/index.js';
import type { BuildPlan } from '../../src/plan/index.js';
import { toOnCalendar } from '../../src/plan/generators/schedule.converter.js';
import webServer from '../golden/specs/web-server.json' with { type: 'json' };
import backupBox from '../golden/specs/backup-users-files.json' with { type: 'json' };

/**
 * Runs the real tools on generated files: nft -c, sshd -t, sh -n / dash -n, visudo -c, iptables-restore
 * --test, systemd-analyze calendar. Each checker is also fed a broken file and must reject it, so a
 * checker that accepts everything cannot make these tests pass.
 */

interface Result {
  readonly status: number | null;
  readonly output: string;
}

function run(argv: readonly string[]): Result {
  const [cmd = '', ...args] = argv;
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function which(tool: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (existsSync(join(dir, tool))) return join(dir, tool);
  }
  return undefined;
}

const isRoot = process.getuid?.() === 0;
let dir = '';
const plans: BuildPlan[] = [];

/** The plan of `raw` on `base` (optionally with another firewall backend); undefined when the spec rules refuse that combination. */
function planOf(raw: object, base: string, backend?: string): BuildPlan | undefined {
  const input = structuredClone(raw) as Record<string, unknown> & {
    securityFeatures?: Record<string, unknown>;
  };
  if (backend !== undefined && input.securityFeatures !== undefined) {
    input.securityFeatures = {
      ...input.securityFeatures,
      firewall: { ...(input.securityFeatures.firewall as object), backend },
    };
  }
  const v = validateSpec({ ...input, base });
  return v.ok ? plan(v.spec) : undefined;
}

function filesNamed(suffix: string): { name: string; content: string }[] {
  return plans.flatMap((p, i) =>
    p.files
      .filter((f) => f.contextPath.endsWith(suffix))
      .map((f) => ({ name: `${i}-${f.contextPath}`, content: f.content })),
  );
}

function write(name: string, content: string): string {
  const path = join(dir, name.replaceAll('/', '_'));
  writeFileSync(path, content);
  return path;
}

/** nft -c needs a network namespace it may change; unshare -n gives it a private one. */
function nftCheck(path: string): Result {
  return run(['unshare', '-n', 'nft', '-c', '-f', path]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lbe-plan-files-'));
  const candidates = BASES.flatMap((base) => [
    planOf(webServer, base),
    planOf(backupBox, base),
    planOf(webServer, base, 'ufw'),
    planOf(backupBox, base, 'nftables'),
  ]);
  candidates.push(planOf(backupBox, 'debian', 'ufw'), planOf(webServer, 'debian', 'iptables'));
  for (const p of candidates) if (p !== undefined) plans.push(p);
  // The base fixtures must always plan; only backend variants may be refused by the spec rules.
  expect(plans.length).toBeGreaterThanOrEqual(BASES.length * 2);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(isRoot && which('nft') !== undefined)('nftables rulesets (nft -c)', () => {
  it('accepts every generated /etc/nftables.conf', () => {
    const files = filesNamed('etc/nftables.conf');
    expect(files.length).toBeGreaterThan(8);
    for (const f of files) {
      const r = nftCheck(write(f.name, f.content));
      expect(r.status, `${f.name}\n${r.output}`).toBe(0);
    }
  });

  it('rejects a broken ruleset', () => {
    const broken = filesNamed('etc/nftables.conf')[0]!.content.replace(
      'tcp dport 80 accept',
      'tcp dport eighty accept',
    );
    expect(nftCheck(write('broken.nft', broken)).status).not.toBe(0);
  });
});

describe.runIf(isRoot && which('sshd') !== undefined && which('ssh-keygen') !== undefined)(
  'sshd drop-ins (sshd -t)',
  () => {
    let hostKey = '';
    beforeAll(() => {
      hostKey = join(dir, 'host_ed25519');
      expect(run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', hostKey]).status).toBe(0);
    });

    const check = (dropIn: string): Result => {
      const main = write(
        `sshd_config-${Math.random().toString(36).slice(2)}`,
        `HostKey ${hostKey}\nInclude ${dropIn}\n`,
      );
      // sshd -t as root insists on /run/sshd; give it one in a private mount namespace, not on the host.
      const script = 'mount -t tmpfs lbe-run /run && mkdir /run/sshd && exec "$0" -t -f "$1"';
      return run(['unshare', '-m', 'sh', '-c', script, which('sshd')!, main]);
    };

    it('accepts every generated drop-in', () => {
      const files = filesNamed('sshd_config.d/50-lbe.conf');
      expect(files.length).toBeGreaterThan(8);
      for (const f of files) {
        const r = check(write(f.name, f.content));
        expect(r.status, `${f.name}\n${r.output}`).toBe(0);
      }
    });

    it('rejects a broken drop-in', () => {
      const r = check(write('broken-sshd.conf', 'PermitRootLogin maybe\n'));
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/broken-sshd\.conf line 1/);
    });
  },
);

describe('shell scripts (sh -n, dash -n)', () => {
  const shells = ['sh', 'dash', 'bash'].filter((s) => which(s) !== undefined);

  it('parses every configure script and backup script', () => {
    const scripts = [...filesNamed('lbe/configure.sh'), ...filesNamed('usr/local/sbin/lbe-backup')];
    expect(scripts.length).toBeGreaterThan(16);
    for (const s of scripts) {
      const path = write(s.name, s.content);
      for (const shell of shells) {
        const r = run([shell, '-n', path]);
        expect(r.status, `${shell} -n ${s.name}\n${r.output}`).toBe(0);
      }
    }
  });

  it('rejects a broken script', () => {
    const path = write('broken.sh', "set -eu\nif [ -x '/bin/sh' ]; then echo 'unterminated\n");
    expect(run(['sh', '-n', path]).status).not.toBe(0);
  });
});

describe('sudoers drop-ins (visudo -c -f)', () => {
  const visudo = which('visudo');
  it.runIf(visudo === undefined)('skipped: visudo is not installed on this machine', () => {
    expect(visudo).toBeUndefined();
  });

  it.runIf(visudo !== undefined)('accepts every generated drop-in and rejects a broken one', () => {
    const files = filesNamed('');
    const sudoers = files.filter((f) => f.name.includes('etc/sudoers.d/'));
    expect(sudoers.length).toBeGreaterThan(8);
    for (const f of sudoers) {
      const r = run([visudo!, '-c', '-f', write(f.name, f.content)]);
      expect(r.status, `${f.name}\n${r.output}`).toBe(0);
    }
    expect(run([visudo!, '-c', '-f', write('broken-sudoers', 'alice ALL=(ALL ALL\n')]).status).not.toBe(0);
  });
});

describe.runIf(isRoot && which('iptables-restore') !== undefined)(
  'iptables and ufw rules (iptables-restore --test)',
  () => {
    const check = (family: 4 | 6, path: string): Result =>
      run(['unshare', '-n', family === 4 ? 'iptables-restore' : 'ip6tables-restore', '--test', path]);

    it('accepts every generated IPv4/IPv6 rules file', () => {
      const files = plans.flatMap((p, i) =>
        p.files
          .filter((f) =>
            /iptables|ip6tables|rules\.v[46]|rules6?-save|ufw\/user6?\.rules/.test(f.contextPath),
          )
          .map((f) => ({
            name: `${i}-${f.contextPath}`,
            content: f.content,
            family: /6|v6/.test(f.contextPath) ? 6 : 4,
          })),
      );
      expect(files.length).toBeGreaterThan(8);
      for (const f of files) {
        const r = check(f.family as 4 | 6, write(f.name, f.content));
        expect(r.status, `${f.name}\n${r.output}`).toBe(0);
      }
    });

    it('rejects a broken rules file', () => {
      const r = check(
        4,
        write(
          'broken.rules',
          '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n',
        ),
      );
      expect(r.status).not.toBe(0);
    });
  },
);

describe.runIf(which('systemd-analyze') !== undefined)('backup timers (systemd-analyze calendar)', () => {
  it('accepts every OnCalendar value lbe generates', () => {
    const schedules = [
      'hourly',
      'daily',
      'weekly',
      'monthly',
      '30 2 * * *',
      '*/15 * * * *',
      '0 3 * * 1-5',
      '0 4 1,15 * *',
      '0 0 * 1-6/2 *',
      '5 0-6/2 * * 0,6',
    ];
    for (const s of schedules) {
      const calendar = toOnCalendar(s)!;
      const r = run(['systemd-analyze', 'calendar', calendar]);
      expect(r.status, `${s} → ${calendar}\n${r.output}`).toBe(0);
    }
    const timers = filesNamed('lbe-backup.timer');
    expect(timers.length).toBeGreaterThan(0);
  });

  it('rejects a broken calendar', () => {
    expect(run(['systemd-analyze', 'calendar', 'Mon..Fri *-*-* 25:61:00']).status).not.toBe(0);
  });
});
