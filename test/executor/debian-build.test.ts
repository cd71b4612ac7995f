import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuild, type BuildResult } from '../../src/executor/build.pipeline.js';
import type { BuildPlan } from '../../src/plan/plan.types.js';
import { ADMIN_KEY, SECRET_FILE, planOf, webServerSpec } from './fixtures/web-server.spec.js';
import { createHarness, leftovers, storageMounts, type Harness } from './executor.harness.js';

/**
 * A REAL buildah build of Debian bookworm from a spec planned by the real `plan()` (see
 * fixtures/web-server.spec.ts), checked from the outside: image.tar is unpacked with skopeo + umoci and every
 * thing the spec asked for is looked up in the root filesystem; SHA256SUMS is verified with `sha256sum -c`;
 * the archive is loaded into a private podman store and run. One build is shared by all assertions. The base
 * (mmdebstrap) and stage images come from the shared cache dir when an earlier run left them there.
 */

const MARKER = 'echo first > /etc/lbe-script-marker';

describe('buildah: a real Debian bookworm build of a planned spec', () => {
  let h: Harness;
  let buildPlan: BuildPlan;
  let result: BuildResult;
  let rootfs: string;
  let coldMs: number;
  // The image store is shared with other suites (and with killed processes): only this suite's leftovers count.
  let containersBefore: readonly string[] = [];
  let mountsBefore: readonly string[] = [];

  beforeAll(async () => {
    h = await createHarness();
    containersBefore = await h.builder.listContainers();
    mountsBefore = await storageMounts();
    buildPlan = planOf(webServerSpec(MARKER));
    const t0 = Date.now();
    result = await runBuild(buildPlan, h.options('out', { force: true }));
    coldMs = Date.now() - t0;
    const oci = join(h.dir, 'oci');
    rootfs = join(h.dir, 'unpacked');
    await h.runner.run('skopeo', [
      'copy',
      '--quiet',
      `docker-archive:${join(result.outDir, 'image.tar')}`,
      `oci:${oci}:it`,
    ]);
    await h.runner.run('umoci', ['raw', 'unpack', '--rootless', '--image', `${oci}:it`, rootfs]);
  });

  afterAll(async () => {
    await h.cleanup();
  });

  const text = (p: string) => readFile(join(rootfs, p), 'utf8');
  const mode = async (p: string) => (await stat(join(rootfs, p))).mode & 0o7777;

  it('has the user with the authorized key and sudo', async () => {
    expect(await text('etc/passwd')).toMatch(/^admin:x:1000:1000::\/home\/admin:\/bin\/bash$/m);
    expect(await text('etc/group')).toMatch(/^sudo:x:27:admin$/m);
    expect(await text('home/admin/.ssh/authorized_keys')).toContain(ADMIN_KEY);
    expect(await mode('home/admin/.ssh/authorized_keys')).toBe(0o600);
    expect(await mode('home/admin/.ssh')).toBe(0o700);
    expect(await text('etc/sudoers.d/90-lbe-admin')).toMatch(/^admin ALL=\(ALL(:ALL)?\) NOPASSWD: ?ALL$/m);
    expect(await mode('etc/sudoers.d/90-lbe-admin')).toBe(0o440);
    // Ownership from the rootfs tarball (umoci --rootless maps every owner to the caller).
    const listing = await h.runner.run(
      'tar',
      ['--zstd', '--numeric-owner', '-tvf', join(result.outDir, 'rootfs.tar.zst'), './home/admin/.ssh'],
      { tailLines: 5 },
    );
    expect(listing.stdout).toMatch(/^-rw------- 1000\/1000 .* \.\/home\/admin\/\.ssh\/authorized_keys$/m);
  });

  it('has the asked-for package and the security packages installed (dpkg status)', async () => {
    const dpkg = await text('var/lib/dpkg/status');
    for (const p of ['curl', 'sudo', 'openssh-server', 'nftables', 'fail2ban', 'restic', 'systemd-sysv']) {
      expect(dpkg).toMatch(new RegExp(`^Package: ${p}\\nStatus: install ok installed$`, 'm'));
    }
  });

  it('has the file with its content and mode', async () => {
    expect(await text(SECRET_FILE.path.slice(1))).toBe(SECRET_FILE.content);
    expect(await mode(SECRET_FILE.path.slice(1))).toBe(0o640);
  });

  it('has the sshd drop-in, the firewall rules and no baked-in host keys', async () => {
    const sshd = await text('etc/ssh/sshd_config.d/50-lbe.conf');
    expect(sshd).toMatch(/^PermitRootLogin no$/m);
    expect(sshd).toMatch(/^PasswordAuthentication no$/m);
    const nft = await text('etc/nftables.conf');
    expect(nft).toMatch(/policy drop/);
    expect(nft).toMatch(/tcp dport 22 .*accept/);
    expect(await text('etc/fail2ban/jail.d/lbe.local')).toMatch(/^maxretry = 4$/m);
    const hostKeys = await h.runner.run('find', [join(rootfs, 'etc/ssh'), '-name', 'ssh_host_*']);
    expect(hostKeys.stdout.trim()).toBe('');
  });

  it('enables the units: ssh, nftables, fail2ban and the backup timer', async () => {
    const wants = (target: string, unit: string) =>
      readlink(join(rootfs, 'etc/systemd/system', `${target}.wants`, unit));
    expect(await wants('timers.target', 'lbe-backup.timer')).toBe('/etc/systemd/system/lbe-backup.timer');
    expect(await wants('multi-user.target', 'fail2ban.service')).toBe('/lib/systemd/system/fail2ban.service');
    expect(await wants('sysinit.target', 'nftables.service')).toBe('/lib/systemd/system/nftables.service');
    expect(await wants('multi-user.target', 'ssh.service')).toBe('/lib/systemd/system/ssh.service');
    expect(await text('etc/systemd/system/lbe-backup.timer')).toMatch(/^OnCalendar=daily$/m);
    expect(await text('usr/local/sbin/lbe-backup')).toContain('restic backup');
    expect(await mode('usr/local/sbin/lbe-backup')).toBe(0o755);
  });

  it('has the hostname, the time zone and the postInstall script’s work', async () => {
    expect((await text('etc/hostname')).trim()).toBe('web01');
    expect(await readlink(join(rootfs, 'etc/localtime'))).toBe('/usr/share/zoneinfo/Europe/Berlin');
    expect((await text('etc/timezone')).trim()).toBe('Europe/Berlin');
    expect((await text('etc/lbe-script-marker')).trim()).toBe('first');
  });

  it('writes a docker-archive tagged lbe/<name>:<hash12>, and checksums that sha256sum -c accepts', async () => {
    expect(result.imageTag).toBe(`lbe/executor-web:${buildPlan.hash.slice(0, 12)}`);
    const inspect = await h.runner.run('skopeo', [
      'inspect',
      `docker-archive:${join(result.outDir, 'image.tar')}`,
    ]);
    const info = JSON.parse(inspect.stdout) as { Layers: string[]; Created: string; Os: string };
    expect(info.Layers.length).toBe(4); // base, packages, configure, scripts
    expect(info.Os).toBe('linux');
    expect(info.Created).toBe('2023-11-14T22:13:20Z'); // SOURCE_DATE_EPOCH 1700000000
    const manifest = await h.runner.run('tar', ['-xOf', join(result.outDir, 'image.tar'), 'manifest.json']);
    expect(JSON.parse(manifest.stdout)).toMatchObject([{ RepoTags: [`docker.io/${result.imageTag}`] }]);
    const sums = await h.runner.run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: result.outDir });
    expect(sums.stdout.trim().split('\n').sort()).toEqual(
      ['Dockerfile', 'context.tar', 'image.tar', 'manifest.json', 'rootfs.tar.zst', 'sbom.spdx.json'].map(
        (f) => `${f}: OK`,
      ),
    );
    expect(await readFile(join(result.outDir, 'Dockerfile'), 'utf8')).toBe(buildPlan.dockerfile);
  });

  it('podman loads image.tar under its tag and runs it without network', async () => {
    // A private podman store (overlay: ~3× faster to load than vfs), runc and cgroupfs as on this host; the
    // explicit ulimits because podman's defaults exceed what an unprivileged rlimit raise may set here.
    const dir = await mkdtemp(join(tmpdir(), 'lbe-podman-load-'));
    const podman = (args: string[]) =>
      h.runner.run(
        'podman',
        [
          ...['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'libpod')],
          ...['--storage-driver', 'overlay', '--runtime', '/usr/sbin/runc', '--cgroup-manager', 'cgroupfs'],
          ...['--events-backend', 'file'],
          ...args,
        ],
        { timeoutMs: 5 * 60_000, tailLines: 20 },
      );
    try {
      const loaded = await podman(['load', '--quiet', '-i', join(result.outDir, 'image.tar')]);
      expect(loaded.stdout.trim()).toBe(`Loaded image: docker.io/${result.imageTag}`);
      const run = await podman([
        ...[
          'run',
          '--rm',
          '--network',
          'none',
          '--ulimit',
          'nofile=1024:1024',
          '--ulimit',
          'nproc=1024:1024',
        ],
        `docker.io/${result.imageTag}`,
        'sh',
        '-c',
        `cat ${SECRET_FILE.path} /etc/lbe-script-marker && ls /sys/class/net && dpkg-query -W -f '\${Version}' curl`,
      ]);
      const curl = result.manifest.packages.find((p) => p.name === 'curl');
      expect(run.stdout).toBe(`${SECRET_FILE.content}first\nlo\n${curl?.version ?? 'missing'}`);
    } finally {
      await podman(['rmi', '--all', '--force']).catch(() => undefined);
      const mounts = (await readFile('/proc/self/mounts', 'utf8'))
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(`${dir}/`));
      for (const m of mounts) await h.runner.run('umount', ['-l', m]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists the asked-for package in the SBOM with version and purl, read from the rootfs', async () => {
    const sbom = JSON.parse(await readFile(join(result.outDir, 'sbom.spdx.json'), 'utf8')) as {
      spdxVersion: string;
      packages: {
        name: string;
        versionInfo?: string;
        externalRefs?: { referenceType: string; referenceLocator: string }[];
      }[];
    };
    expect(sbom.spdxVersion).toBe('SPDX-2.3');
    const dpkg = await text('var/lib/dpkg/status');
    const version = /^Package: curl\n(?:.+\n)*?Version: (\S+)$/m.exec(dpkg)?.[1];
    expect(version).toMatch(/^7\.88\./);
    const curl = sbom.packages.find((p) => p.name === 'curl');
    expect(curl?.versionInfo).toBe(version);
    expect(curl?.externalRefs?.find((r) => r.referenceType === 'purl')?.referenceLocator).toBe(
      `pkg:deb/debian/curl@${version ?? ''}?arch=amd64&distro=debian-12`,
    );
    const installed = [...dpkg.matchAll(/^Status: install ok installed$/gm)].length;
    expect(sbom.packages.filter((p) => p.externalRefs !== undefined).length).toBe(installed);
    const manifest = result.manifest;
    expect(manifest.requestedPackages).toContain('curl');
    expect(manifest.packages.find((p) => p.name === 'curl')?.version).toBe(version);
    expect(manifest.base.imageId).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.stages.map((s) => s.name)).toEqual(['packages', 'configure', 'scripts', 'export']);
    const log = await readFile(join(result.outDir, 'build.log'), 'utf8');
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT\S+ \[lbe\] stage packages: (cache hit|building)/m);
  });

  it('answers an identical repeat from the build-key cache in well under a few seconds', async () => {
    const t0 = Date.now();
    const again = await runBuild(planOf(webServerSpec(MARKER)), h.options('out-repeat'));
    const ms = Date.now() - t0;
    expect(again.cached).toBe(true);
    expect(again.buildKey).toBe(result.buildKey);
    // The benchmark measures the < 1 s target; here the margin absorbs other builds sharing the two cores.
    expect(ms).toBeLessThan(10_000);
    await h.runner.run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: again.outDir });
    console.log(`cold (stages possibly cached from earlier runs) ${coldMs} ms, identical repeat ${ms} ms`);
  });

  // configure reruns too (~2 s): /etc/lbe/build-info.json and the image labels carry the spec hash.
  it('reuses the packages stage when only a postInstall script changes', async () => {
    const t0 = Date.now();
    const changed = await runBuild(
      planOf(webServerSpec(`echo second-${Date.now()} > /etc/lbe-script-marker`)),
      h.options('out-script'),
    );
    const ms = Date.now() - t0;
    expect(changed.cached).toBe(false);
    const byName = Object.fromEntries(changed.stages.map((s) => [s.name, s]));
    expect(byName.packages?.cacheHit).toBe(true);
    expect(byName.scripts?.cacheHit).toBe(false);
    const log = await readFile(join(changed.outDir, 'build.log'), 'utf8');
    expect(log).toContain('stage packages: cache hit');
    expect(log).not.toContain('Setting up curl');
    // ~25 s on an idle host (export dominates); the margin is for other builds sharing the two cores.
    expect(ms).toBeLessThan(180_000);
    console.log(`script-only change ${ms} ms`);
  });

  it('leaves no working containers, mounts or temp dirs behind', async () => {
    expect((await h.builder.listContainers()).filter((c) => !containersBefore.includes(c))).toEqual([]);
    expect((await storageMounts()).filter((m) => !mountsBefore.includes(m))).toEqual([]);
    expect(await leftovers(h.tmp)).toEqual([]);
  });
});
