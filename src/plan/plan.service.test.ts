import { describe, expect, it } from 'vitest';
import { isLbeError } from '../errors/index.js';
import { DEFAULT_SOURCE_DATE_EPOCH, plan } from './plan.service.js';
import { ED25519_KEY, specOf } from './testing/spec.fixture.js';

const FULL = {
  name: 'Full',
  hostname: 'box',
  packages: ['nginx', 'curl'],
  securityFeatures: { ssh: { port: 2200, fail2ban: true }, firewall: { rules: [{ port: 80 }] } },
  users: [{ name: 'alice', sudo: true, sshAuthorizedKeys: [ED25519_KEY] }],
  files: [{ path: '/etc/motd', content: 'hi\n' }],
  postInstall: { scripts: ['echo one', 'echo two'] },
};

/** The same object with its keys in reverse order, recursively. */
function shuffled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shuffled);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, shuffled(v)]),
    );
  }
  return value;
}

describe('plan', () => {
  it('is deterministic: shuffled keys give the same hash; a changed package changes it', () => {
    const a = plan(specOf(FULL));
    const b = plan(specOf(shuffled(FULL) as Record<string, unknown>));
    expect(b.hash).toBe(a.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.imageTag).toBe(`lbe/full:${a.hash.slice(0, 12)}`);
    const c = plan(specOf({ ...FULL, packages: ['nginx', 'wget'] }));
    expect(c.hash).not.toBe(a.hash);
  });

  it('every generated image file is installed by the configure stage or COPY’d', () => {
    const p = plan(specOf(FULL));
    const configure = p.files.find((f) => f.contextPath === 'lbe/configure.sh')!.content;
    const stage = p.stages.find((s) => s.name === 'configure')!;
    for (const f of p.files.filter((x) => x.imagePath !== undefined)) {
      expect(f.contextPath).toBe(`rootfs${f.imagePath}`);
      const installed = configure.includes(`'/lbe/rootfs${f.imagePath}' '${f.imagePath}'`);
      const copied = stage.instructions.includes(`COPY rootfs${f.imagePath} ${f.imagePath}`);
      expect(installed || copied, f.imagePath).toBe(true);
      expect(stage.contextFiles).toContain(f.contextPath);
    }
    expect(configure.indexOf('useradd')).toBeLessThan(configure.indexOf('authorized_keys'));
  });

  it('has stages with the right isolation and no `|| true`', () => {
    const p = plan(specOf(FULL));
    expect(p.stages.map((s) => [s.name, s.network, s.limited])).toEqual([
      ['packages', 'mirrors', false],
      ['configure', 'none', false],
      ['scripts', 'none', true],
    ]);
    expect(p.stageOrder).toEqual(['base', 'packages', 'configure', 'scripts', 'export', 'publish']);
    expect(p.dockerfile).not.toContain('|| true');
    expect(p.dockerfile).toContain('FROM docker.io/library/debian:bookworm AS packages');
    expect(p.dockerfile).toContain('FROM packages AS configure');
    expect(p.dockerfile).toContain('FROM configure AS scripts');
    expect(p.dockerfile).toContain('RUN sh -e /lbe/scripts/01.sh && sh -e /lbe/scripts/02.sh && rm -rf /lbe');
  });

  it('minimal spec: no scripts stage, iso stage only when asked, default epoch', () => {
    const p = plan(specOf({}));
    expect(p.stageOrder).toEqual(['base', 'packages', 'configure', 'export', 'publish']);
    expect(p.sourceDateEpoch).toBe(DEFAULT_SOURCE_DATE_EPOCH);
    expect(plan(specOf({}), { sourceDateEpoch: 5 }).sourceDateEpoch).toBe(5);
    expect(plan(specOf({ sourceDateEpoch: 7 }), { sourceDateEpoch: 5 }).sourceDateEpoch).toBe(7);
    const iso = plan(specOf({ outputs: { iso: true } }));
    expect(iso.stageOrder).toContain('iso');
    expect(iso.packages.install).toEqual(
      expect.arrayContaining(['linux-image-amd64', 'live-boot', 'systemd-sysv']),
    );
  });

  it('Debian uses the mirror option and mmdebstrap; others cannot be bootstrapped', () => {
    const p = plan(specOf({}), { debianMirror: 'http://mirror.example/debian' });
    expect(p.base).toMatchObject({ bootstrap: 'mmdebstrap', mirror: 'http://mirror.example/debian' });
    expect(plan(specOf({ base: 'ubuntu' })).base).toMatchObject({
      reference: 'docker.io/library/ubuntu:noble',
      bootstrap: 'mmdebstrap',
      mirror: 'http://archive.ubuntu.com/ubuntu',
    });
    expect(plan(specOf({ base: 'alpine' })).base.bootstrap).toBe('none');
  });

  it('escapes every spec value that reaches the configure script', () => {
    const p = plan(
      specOf({
        users: [{ name: 'eve', passwordHash: '$6$abcdefgh$ijklmnopqrstuv' }],
        files: [{ path: '/etc/x', content: "'; rm -rf / #\n$(id)", owner: 'root' }],
      }),
    );
    const configure = p.files.find((f) => f.contextPath === 'lbe/configure.sh')!.content;
    expect(configure).toContain("usermod -p '$6$abcdefgh$ijklmnopqrstuv' 'eve'");
    expect(configure).not.toContain('rm -rf / #');
  });

  it('records AppArmor kernel parameters for the ISO', () => {
    const p = plan(
      specOf({ securityFeatures: { mac: ['apparmor'] }, defaults: { kernelParams: ['quiet'] } }),
    );
    expect(p.kernelParams).toEqual(['quiet', 'apparmor=1', 'security=apparmor']);
    expect(p.services.enabled).toContain('apparmor');
  });

  it('refuses an init system the base cannot run', () => {
    const spec = { ...specOf({ base: 'alpine' }), init: 'systemd' as const };
    try {
      plan(spec);
      expect.unreachable();
    } catch (err) {
      expect(isLbeError(err) && err.code).toBe('LBE_PLAN_UNSUPPORTED');
    }
  });
});
