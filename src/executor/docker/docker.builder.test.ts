import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LbeError } from '../../errors/index.js';
import { NodeProcessRunner } from '../process/process-runner.js';
import { DockerApiClient, parseDockerHost } from './docker-api.client.js';
import {
  buildQuery,
  networkProbeDockerfile,
  parseMemorySize,
  renderStageDockerfile,
} from './docker-build.request.js';
import {
  DockerBuilder,
  isDockerAvailable,
  pushedDigest,
  registryAuthHeader,
  splitImageReference,
} from './docker.builder.js';

describe('parseDockerHost', () => {
  it('understands unix sockets, bare paths and tcp', () => {
    expect(parseDockerHost(undefined)).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
    expect(parseDockerHost('unix:///tmp/p.sock')).toEqual({ kind: 'unix', socketPath: '/tmp/p.sock' });
    expect(parseDockerHost('/tmp/p.sock')).toEqual({ kind: 'unix', socketPath: '/tmp/p.sock' });
    expect(parseDockerHost('tcp://10.0.0.5:2376')).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 2376 });
    expect(parseDockerHost('tcp://[::1]')).toEqual({ kind: 'tcp', host: '::1', port: 2375 });
    expect(() => parseDockerHost('ssh://me@host')).toThrow(LbeError);
  });
});

describe('build request', () => {
  it('renders FROM, the SOURCE_DATE_EPOCH ARG and the instructions', () => {
    expect(renderStageDockerfile({ fromImage: 'lbe/base:1', instructions: ['RUN echo hi > /hello'] })).toBe(
      'FROM lbe/base:1\nARG SOURCE_DATE_EPOCH\nRUN echo hi > /hello\n',
    );
    expect(() => renderStageDockerfile({ fromImage: 'a b', instructions: [] })).toThrow(LbeError);
  });

  it('turns limits and network into query parameters, per engine dialect', () => {
    const limits = { memory: '512m', cpus: 1.5, pids: 128, timeoutMs: 1000 };
    const base = { tag: 't:1', dockerfile: 'D', limits, sourceDateEpoch: 42, mirrorsNetworkMode: undefined };
    const docker = buildQuery({ ...base, network: 'none', engine: 'docker' });
    expect(docker).toMatchObject({
      t: 't:1',
      dockerfile: 'D',
      networkmode: 'none',
      memory: String(512 * 1024 * 1024),
      memswap: String(512 * 1024 * 1024),
      cpuperiod: '100000',
      cpuquota: '150000',
      pull: '0',
      buildargs: '{"SOURCE_DATE_EPOCH":"42"}',
    });
    expect(JSON.parse(docker.ulimits ?? '')).toEqual([{ Name: 'nproc', Soft: 128, Hard: 128 }]);
    const podman = buildQuery({ ...base, network: 'mirrors', engine: 'podman' });
    expect(podman.networkmode).toBeUndefined();
    expect(JSON.parse(podman.ulimits ?? '')).toEqual(['nproc=128:128']);
    expect(
      buildQuery({ ...base, limits: undefined, network: 'mirrors', mirrorsNetworkMode: 'host' }),
    ).not.toHaveProperty('memory');
  });

  it('parses memory sizes like buildah does', () => {
    expect(parseMemorySize('2g')).toBe(2 * 1024 ** 3);
    expect(parseMemorySize('1024k')).toBe(1024 * 1024);
    expect(parseMemorySize('123')).toBe(123);
    expect(() => parseMemorySize('2 GB')).toThrow(LbeError);
  });

  it('the network probe uses only sh builtins', () => {
    expect(networkProbeDockerfile('x:1')).toMatch(/^FROM x:1\nRUN while read -r l; do case "\$l" in/);
  });
});

describe('small helpers', () => {
  it('splits references with registry ports', () => {
    expect(splitImageReference('127.0.0.1:5000/team/web:1')).toEqual({
      repo: '127.0.0.1:5000/team/web',
      tag: '1',
    });
    expect(splitImageReference('127.0.0.1:5000/team/web')).toEqual({
      repo: '127.0.0.1:5000/team/web',
      tag: 'latest',
    });
  });

  it('finds the pushed digest in Docker and podman push streams', () => {
    const d = `sha256:${'c'.repeat(64)}`;
    expect(pushedDigest([{ status: 'Pushing' }, { aux: { Tag: '1', Digest: d, Size: 1 } }])).toBe(d);
    expect(pushedDigest([{ status: `1: digest: ${d} size: 528` }])).toBe(d);
    expect(pushedDigest([{ status: 'Pushed' }])).toBeUndefined();
  });

  it('encodes X-Registry-Auth as URL-safe base64 JSON', () => {
    const header = registryAuthHeader({ username: 'u', password: 'p?>' }, 'r:5000');
    expect(header).not.toMatch(/[+/]/);
    const json = Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    expect(JSON.parse(json)).toEqual({ username: 'u', password: 'p?>', serveraddress: 'r:5000' });
    expect(registryAuthHeader(undefined, 'r')).toBe(Buffer.from('{}').toString('base64'));
  });
});

describe('DockerApiClient over a unix socket (Docker API wire format)', () => {
  let dir: string;
  let server: Server;
  let socket: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lbe-docker-api-'));
    socket = path.join(dir, 'api.sock');
    server = createServer((req, res) => {
      if (req.url === '/v1.41/_ping') {
        res.end('OK');
      } else if (req.url === '/v1.41/build?t=x') {
        res.write('{"stream":"STEP 1/2: FROM x\\n"}\n{"stream":"boom\\n"}\n');
        res.end(
          '{"errorDetail":{"message":"RUN failed: exit status 3"},"error":"RUN failed: exit status 3"}\n',
        );
      } else if (req.url === '/v1.41/slow') {
        res.write('{"stream":"working\\n"}\n');
      } else {
        res.statusCode = 404;
        res.end('{"message":"no such image: nope"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    await rm(dir, { recursive: true, force: true });
  });

  it('pings', async () => {
    expect(await isDockerAvailable(`unix://${socket}`)).toBe(true);
    expect(await isDockerAvailable(`unix://${dir}/missing.sock`)).toBe(false);
  });

  it('turns an error message inside a 200 stream into an LbeError with the last lines', async () => {
    const client = new DockerApiClient(parseDockerHost(socket));
    const lines: string[] = [];
    const err = await client
      .stream('POST', '/build', { query: { t: 'x' }, what: 'build of x' }, (m) =>
        lines.push(m.stream ?? m.error ?? ''),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LbeError);
    expect((err as LbeError).message).toBe('build of x: RUN failed: exit status 3');
    expect((err as LbeError).details.tail).toEqual(['STEP 1/2: FROM x', 'boom', 'RUN failed: exit status 3']);
    expect(lines).toHaveLength(3);
  });

  it('times out and cancels a stream that never ends', async () => {
    const client = new DockerApiClient(parseDockerHost(socket));
    const timedOut = await client
      .stream('GET', '/slow', { what: 'slow', timeoutMs: 300 }, () => undefined)
      .catch((e: unknown) => e);
    expect((timedOut as LbeError).code).toBe('LBE_BUILD_TIMEOUT');
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 200);
    const cancelled = await client
      .stream('GET', '/slow', { what: 'slow', signal: controller.signal }, () => undefined)
      .catch((e: unknown) => e);
    expect((cancelled as LbeError).code).toBe('LBE_BUILD_CANCELLED');
  });

  it('answers 404 for a missing image as "does not exist"', async () => {
    const builder = new DockerBuilder({ dockerHost: `unix://${socket}`, runner: new NodeProcessRunner() });
    expect(await builder.imageExists('nope')).toBe(false);
    await expect(builder.imageId('nope')).rejects.toThrow(/no such image: nope/);
    await builder.removeImage('nope');
  });

  it('reports an engine that is not there as LBE_BUILD_ENGINE_UNAVAILABLE', async () => {
    const builder = new DockerBuilder({
      dockerHost: `unix://${dir}/missing.sock`,
      runner: new NodeProcessRunner(),
    });
    const err = await builder.version().catch((e: unknown) => e);
    expect((err as LbeError).code).toBe('LBE_BUILD_ENGINE_UNAVAILABLE');
    expect(await builder.isAvailable()).toBe(false);
  });

  it('refuses image references that could bend the URL', async () => {
    const builder = new DockerBuilder({ dockerHost: `unix://${socket}`, runner: new NodeProcessRunner() });
    await expect(builder.imageExists('x?all=1')).rejects.toBeInstanceOf(LbeError);
    await expect(builder.imageExists('../../containers/x')).rejects.toBeInstanceOf(LbeError);
  });
});
