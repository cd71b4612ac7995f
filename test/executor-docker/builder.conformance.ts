import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Builder, StageBuildRequest } from '../../src/executor/builder.types.js';
import { NodeProcessRunner } from '../../src/executor/process/process-runner.js';
import { pushImage } from '../../src/executor/registry/index.js';
import { LbeError } from '../../src/errors/index.js';
import { freePort } from '../helpers/free-port.js';
import { bcryptHash, startLocalRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { makeTinyRootfs, type TinyRootfs } from '../helpers/tiny-rootfs.js';

/**
 * The one conformance suite for the Builder interface (ARCHITECTURE.md decision 3), run against every backend:
 *   test/executor-docker/docker.builder.test.ts   DockerBuilder over `podman system service`
 *   test/executor-docker/buildah.builder.test.ts  BuildahBuilder (once src/executor/buildah exists)
 * Everything is small and network-free: the base is a tiny rootfs tarball of host binaries (bash, dd, cat, ls),
 * the registry is a local docker-registry on 127.0.0.1. The only outbound attempt is the "network none must
 * fail" probe (and its positive control, skipped when the host itself has no route).
 *
 * `networkNone` states what the backend does with `network: 'none'` on this host:
 *   'isolates' — the stage runs with only loopback (buildah --network none);
 *   'refuses'  — the engine cannot isolate (podman 4.3's Docker API ignores networkmode=none), so the backend
 *                must refuse such stages instead of running them with network.
 * `cancelsRunningStage`: see ConformanceTarget.
 */
export interface ConformanceTarget {
  readonly builder: Builder;
  readonly networkNone: 'isolates' | 'refuses';
  /**
   * Whether a stage's time limit or abort also stops the RUN process. True for buildah (the runner kills the
   * process group). False for podman 4.3's Docker API: closing the /build request does not stop the build,
   * which then runs on, bounded by its memory/CPU limits, until its command ends.
   */
  readonly cancelsRunningStage: boolean;
  cleanup(): Promise<void>;
}

export function describeBuilderConformance(name: string, makeTarget: () => Promise<ConformanceTarget>): void {
  describe(`Builder conformance: ${name}`, () => {
    const runner = new NodeProcessRunner();
    const prefix = `lbe-conformance-${randomBytes(4).toString('hex')}`;
    let target: ConformanceTarget;
    let builder: Builder;
    let rootfs: TinyRootfs;
    let work: string;
    let contextDir: string;
    let baseTag: string;
    let helloTag: string;
    let helloId: string;
    /** The network for stages that must succeed: `none` where the backend isolates, else `mirrors`. */
    let runnableNetwork: StageBuildRequest['network'];
    const lines: string[] = [];

    const stage = (
      tag: string,
      instructions: string[],
      extra: Partial<StageBuildRequest> = {},
    ): StageBuildRequest => ({
      fromImage: baseTag,
      instructions,
      contextDir,
      tag,
      network: runnableNetwork,
      sourceDateEpoch: 1_700_000_000,
      onLine: (l) => lines.push(l),
      ...extra,
    });

    beforeAll(async () => {
      target = await makeTarget();
      builder = target.builder;
      runnableNetwork = target.networkNone === 'isolates' ? 'none' : 'mirrors';
      rootfs = await makeTinyRootfs(runner);
      work = await mkdtemp(path.join(tmpdir(), 'lbe-conformance-'));
      contextDir = path.join(work, 'context');
      await mkdir(contextDir);
      baseTag = `${prefix}/base:1`;
      helloTag = `${prefix}/hello:1`;
    });

    afterAll(async () => {
      for (const tag of [helloTag, baseTag, `${prefix}/archive:1`]) {
        await builder.removeImage(tag).catch(() => undefined);
      }
      await rootfs.cleanup();
      await rm(work, { recursive: true, force: true });
      await target.cleanup();
    });

    it('reports its name and version', async () => {
      expect(['buildah', 'docker']).toContain(builder.name);
      expect(await builder.version()).toMatch(/\d+\.\d+/);
    });

    it('imports a rootfs tarball as a tagged image', async () => {
      const id = await builder.importRootfs(rootfs.tarPath, baseTag);
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(await builder.imageExists(baseTag)).toBe(true);
      expect(await builder.imageId(baseTag)).toBe(id);
      expect(await builder.imageExists(`${prefix}/never-made:1`)).toBe(false);
    });

    it('builds a stage: RUN echo hi > /hello', async () => {
      helloId = await builder.buildStage(stage(helloTag, ['RUN echo hi > /hello']));
      expect(helloId).toMatch(/^[0-9a-f]{64}$/);
      expect(await builder.imageId(helloTag)).toBe(helloId);
    });

    it('a failing RUN line rejects with an LbeError carrying the output', async () => {
      const err = await builder
        .buildStage(stage(`${prefix}/fail:1`, ['RUN echo about-to-fail-7f3a && exit 3']))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LbeError);
      expect(lines.some((l) => l.includes('about-to-fail-7f3a'))).toBe(true);
    });

    describe('network: none', () => {
      let probeIp: string;
      let hostReachesIt = false;
      beforeAll(async () => {
        probeIp = await lookup('deb.debian.org', { family: 4 }).then(
          (r) => r.address,
          () => '192.0.2.1',
        );
        hostReachesIt = await canConnect(probeIp, 80);
      });
      const reach = (): string[] => [`RUN echo > /dev/tcp/${probeIp}/80 && echo reached-the-network`];

      it('a stage that tries to reach the network fails under none', async () => {
        const err = await builder
          .buildStage(stage(`${prefix}/net-none:1`, reach(), { network: 'none' }))
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(LbeError);
        if (target.networkNone === 'refuses') {
          expect((err as LbeError).message).toMatch(/ignores networkmode=none/);
        }
        expect(await builder.imageExists(`${prefix}/net-none:1`)).toBe(false);
      });

      it('a harmless stage under none: runs isolated, or is refused when the engine cannot isolate', async () => {
        const result = await builder
          .buildStage(stage(`${prefix}/net-none-ok:1`, ['RUN echo quiet > /quiet'], { network: 'none' }))
          .then(
            (id) => ({ id }),
            (e: unknown) => ({ error: e }),
          );
        if (target.networkNone === 'isolates') expect(result).toHaveProperty('id');
        else expect((result as { error: LbeError }).error.message).toMatch(/ignores networkmode=none/);
        await builder.removeImage(`${prefix}/net-none-ok:1`);
      });

      it('positive control: the same stage reaches the network under mirrors', async (ctx) => {
        if (!hostReachesIt) ctx.skip();
        await builder.buildStage(stage(`${prefix}/net-mirrors:1`, reach(), { network: 'mirrors' }));
        await builder.removeImage(`${prefix}/net-mirrors:1`);
      });
    });

    describe('resource limits', () => {
      const hog = ['RUN dd if=/dev/zero of=/dev/null bs=256M count=1 && echo hog-done'];
      it('a stage that allocates beyond its memory limit fails', async () => {
        const err = await builder
          .buildStage(
            stage(`${prefix}/mem-limited:1`, hog, {
              limits: { memory: '32m', cpus: 1, pids: 256, timeoutMs: 120_000 },
            }),
          )
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(LbeError);
        expect(await builder.imageExists(`${prefix}/mem-limited:1`)).toBe(false);
      });

      it('a stage that outlives its time limit rejects with LBE_BUILD_TIMEOUT; its RUN stops where the backend can stop it', async () => {
        const marker = `lbe-timeout-${randomBytes(4).toString('hex')}`;
        const started = Date.now();
        const err = await builder
          .buildStage(
            // Busy for at most 25 s even where nothing stops it (see cancelsRunningStage).
            stage(
              `${prefix}/slow:1`,
              [`RUN ${marker}=1; end=$((SECONDS + 25)); while [ $SECONDS -lt $end ]; do :; done`],
              {
                limits: { memory: '64m', cpus: 1, pids: 64, timeoutMs: 3000 },
              },
            ),
          )
          .catch((e: unknown) => e);
        expect((err as LbeError).code).toBe('LBE_BUILD_TIMEOUT');
        expect(Date.now() - started).toBeLessThan(60_000);
        if (!target.cancelsRunningStage) return;
        // The RUN line's shell must not keep burning CPU after the timeout.
        let leftover = true;
        for (let i = 0; i < 50 && leftover; i += 1) {
          const ps = await runner.run('ps', ['-eo', 'args'], { timeoutMs: 10_000 });
          leftover = ps.stdout.includes(marker);
          if (leftover) await new Promise((r) => setTimeout(r, 200));
        }
        expect(leftover).toBe(false);
        expect(await builder.imageExists(`${prefix}/slow:1`)).toBe(false);
      });

      it('control: the same stage succeeds without limits', async () => {
        await builder.buildStage(stage(`${prefix}/mem-free:1`, hog));
        await builder.removeImage(`${prefix}/mem-free:1`);
      });
    });

    it('exports a docker-archive that skopeo can inspect', async () => {
      const file = path.join(work, 'image.tar');
      await builder.exportDockerArchive(helloTag, file, `${prefix}/archive:1`);
      expect((await stat(file)).size).toBeGreaterThan(1000);
      const inspected = await runner.run('skopeo', ['inspect', `docker-archive:${file}`]);
      const info = JSON.parse(inspected.stdout) as { Layers: string[]; Os: string };
      expect(info.Layers.length).toBeGreaterThanOrEqual(1);
      expect(info.Os).toBe('linux');
    });

    it('exports the root filesystem, /hello included', async () => {
      const dir = path.join(work, 'rootfs');
      await mkdir(dir);
      await builder.exportRootfs(helloTag, dir);
      expect(await readFile(path.join(dir, 'hello'), 'utf8')).toBe('hi\n');
      expect((await stat(path.join(dir, 'bin/bash'))).isFile()).toBe(true);
      const nonEmpty = path.join(work, 'rootfs');
      await expect(builder.exportRootfs(helloTag, nonEmpty)).rejects.toBeInstanceOf(LbeError);
    });

    describe('push', () => {
      let registry: LocalRegistry;
      beforeAll(async () => {
        registry = await startLocalRegistry();
      });
      afterAll(async () => {
        await registry.stop();
      });

      it('pushes to a registry; pushImage verifies the digest with skopeo', async () => {
        const pushed = await pushImage({
          builder,
          runner,
          image: helloTag,
          destination: `${registry.host}/conformance/hello:1`,
          tlsVerify: false,
        });
        expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      });

      it('pushes with credentials to an htpasswd registry and never logs the password', async (ctx) => {
        // bcrypt comes from Debian's python3 `crypt`; without it the auth registry cannot be made here.
        if ((await bcryptHash('probe')) === undefined) ctx.skip();
        const auth = { username: 'conformance', password: 'Conf0rmance-Pa55!' };
        const secured = await startLocalRegistry({ auth });
        try {
          const logged: string[] = [];
          const pushed = await pushImage({
            builder,
            runner,
            image: baseTag,
            destination: `${secured.host}/conformance/base:1`,
            tlsVerify: false,
            credentials: auth,
            onLine: (l) => logged.push(l),
          });
          expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
          const basic = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
          for (const l of [...logged, ...lines, ...secured.logs]) {
            expect(l).not.toContain(auth.password);
            expect(l).not.toContain(basic);
          }
          const refused = await pushImage({
            builder,
            runner,
            image: baseTag,
            destination: `${secured.host}/conformance/base:2`,
            tlsVerify: false,
          }).catch((e: unknown) => e);
          expect((refused as LbeError).code).toBe('LBE_BUILD_PUSH_FAILED');
        } finally {
          await secured.stop();
        }
      });
    });

    it('pull resolves false (does not throw) when the registry is unreachable', async () => {
      const port = await freePort();
      expect(await builder.pull(`127.0.0.1:${port}/lbe/absent:1`)).toBe(false);
    });

    it('removes images; removing a missing image is not an error', async () => {
      await builder.removeImage(helloTag);
      expect(await builder.imageExists(helloTag)).toBe(false);
      await builder.removeImage(helloTag);
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => {
      resolve(false);
    });
  });
}
