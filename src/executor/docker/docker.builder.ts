import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isLbeError, LbeError } from '../../errors/index.js';
import type { Builder, RegistryCredentials, StageBuildRequest, StreamOptions } from '../builder.types.js';
import { createMasker } from '../artifacts/secret.masker.js';
import type { ProcessRunner } from '../process/process-runner.js';
import { toPushError } from '../registry/buildah-push.command.js';
import { credentialSecrets, parseRegistryDestination } from '../registry/registry.tools.js';
import {
  DockerApiClient,
  DockerApiError,
  describeEndpoint,
  engineMessage,
  parseDockerHost,
  readBody,
  type DockerStreamMessage,
} from './docker-api.client.js';
import {
  buildQuery,
  NETWORK_PROBE_MARKER,
  networkProbeDockerfile,
  renderStageDockerfile,
  stageDockerfileName,
} from './docker-build.request.js';

/**
 * The `docker` backend: a Builder over the Docker Engine API (Docker Engine, or `podman system service`),
 * reached at DOCKER_HOST through Node's http module — no docker CLI needed.
 *
 * Endpoints used: GET /_ping, /version, /images/{ref}/json; POST /build (tar context streamed from disk),
 * /images/create (fromImage = pull, fromSrc = import a rootfs tarball), /images/{ref}/tag, /images/{ref}/push
 * (X-Registry-Auth header: credentials never reach argv or the log), /containers/create; GET /images/{ref}/get
 * (docker-archive), /containers/{id}/export; DELETE /images/{ref}, /containers/{id}.
 * Host tools through the ProcessRunner: `tar` only (to pack build contexts and unpack exported rootfs).
 *
 * Network isolation fails closed: before the first `network: 'none'` stage on a FROM image, a probe build
 * (networkProbeDockerfile) checks that the engine really cut the network; an engine that ignores
 * `networkmode=none` (podman 4.3's compat API does) gets LBE_BUILD_STEP_FAILED instead of a networked stage.
 * The verdict is cached per builder (= per engine). Errors: LBE_BUILD_ENGINE_UNAVAILABLE (no engine),
 * LBE_BUILD_CANCELLED, LBE_BUILD_TIMEOUT, LBE_BUILD_STEP_FAILED (engine said no; `details.tail` has its last
 * lines), LBE_BUILD_PUSH_FAILED / LBE_BUILD_PUSH_DESTINATION_INVALID from push.
 */

export interface DockerBuilderOptions {
  /** DOCKER_HOST; default unix:///var/run/docker.sock. */
  readonly dockerHost?: string;
  readonly runner: ProcessRunner;
  /** networkmode for `mirrors` stages; undefined = the engine's default (bridge). */
  readonly mirrorsNetworkMode?: string;
  /** Refuse `none` stages on engines that do not isolate them (default true). Only tests turn it off. */
  readonly requireNetworkIsolation?: boolean;
  /** Where context tarballs and exports are staged; default os.tmpdir(). */
  readonly tempDir?: string;
  /** Time limit for API calls other than builds and pushes (default 10 minutes). */
  readonly requestTimeoutMs?: number;
}

/** Whether a Docker Engine API answers `GET /_ping` with OK at `dockerHost` within `timeoutMs`. Never throws. */
export async function isDockerAvailable(dockerHost: string | undefined, timeoutMs = 5000): Promise<boolean> {
  try {
    const client = new DockerApiClient(parseDockerHost(dockerHost));
    const { status, text } = await client.text('GET', '/_ping', { timeoutMs });
    return status === 200 && text.trim() === 'OK';
  } catch {
    return false;
  }
}

/** `host:5000/team/web:1` → { repo: 'host:5000/team/web', tag: '1' }; no tag → `latest`. */
export function splitImageReference(reference: string): { repo: string; tag: string } {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > slash) return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}

/** Image references go into URL paths raw (the API routes on `{name:.*}`); reject what could bend the URL. */
function refPath(ref: string): string {
  if (ref === '' || /[\s?#%\\]/.test(ref) || ref.split('/').includes('..')) {
    throw new LbeError('LBE_BUILD_STEP_FAILED', `invalid image reference ${JSON.stringify(ref)}`);
  }
  return encodeURI(ref);
}

/** X-Registry-Auth: URL-safe base64 of the auth JSON, padded, as the docker CLI sends it. */
export function registryAuthHeader(
  credentials: RegistryCredentials | undefined,
  serveraddress: string,
): string {
  const json = JSON.stringify(
    credentials === undefined
      ? {}
      : { username: credentials.username, password: credentials.password, serveraddress },
  );
  return Buffer.from(json).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

export class DockerBuilder implements Builder {
  readonly name = 'docker' as const;
  private readonly client: DockerApiClient;
  private readonly runner: ProcessRunner;
  /** The network-isolation verdict of this engine (see assertNetworkIsolation). */
  private isolationVerdict: Promise<void> | undefined;
  private engineFlavour: Promise<'docker' | 'podman'> | undefined;

  constructor(private readonly options: DockerBuilderOptions) {
    this.client = new DockerApiClient(parseDockerHost(options.dockerHost));
    this.runner = options.runner;
  }

  get endpoint(): string {
    return describeEndpoint(this.client.endpoint);
  }

  async isAvailable(): Promise<boolean> {
    return isDockerAvailable(this.options.dockerHost);
  }

  async version(): Promise<string> {
    const answer = await this.client.json('GET', '/version', { timeoutMs: this.timeout() });
    const status = answer.status;
    const body = answer.body as
      | { Version?: string; ApiVersion?: string; Components?: { Name?: string; Version?: string }[] }
      | undefined;
    if (status !== 200 || body === undefined) throw new DockerApiError(status, 'no version', 'GET /version');
    const engine = body.Components?.[0]?.Name ?? 'Docker Engine';
    return `${engine} ${body.Version ?? 'unknown'} (Docker API ${body.ApiVersion ?? 'unknown'})`;
  }

  /** `podman` when /version lists a Podman Engine component (its API dialect differs in places), else `docker`. */
  private async engine(): Promise<'docker' | 'podman'> {
    this.engineFlavour ??= this.client.json('GET', '/version', { timeoutMs: this.timeout() }).then(
      ({ body }) => {
        const components = (body as { Components?: { Name?: string }[] } | undefined)?.Components ?? [];
        return components.some((c) => /podman/i.test(c.Name ?? '')) ? 'podman' : 'docker';
      },
      (err: unknown) => {
        this.engineFlavour = undefined;
        throw err;
      },
    );
    return this.engineFlavour;
  }

  async imageExists(ref: string): Promise<boolean> {
    const { status } = await this.client.text('GET', `/images/${refPath(ref)}/json`, {
      timeoutMs: this.timeout(),
    });
    if (status === 200) return true;
    if (status === 404) return false;
    throw new DockerApiError(status, `unexpected status ${status}`, `inspect ${ref}`);
  }

  async imageId(ref: string): Promise<string> {
    const answer = await this.client.json('GET', `/images/${refPath(ref)}/json`, {
      timeoutMs: this.timeout(),
    });
    const status = answer.status;
    const body = answer.body as { Id?: string; message?: string } | undefined;
    if (status !== 200 || typeof body?.Id !== 'string') {
      throw new DockerApiError(status, body?.message ?? 'no such image', `image ${ref}`);
    }
    return body.Id.replace(/^sha256:/, '');
  }

  async pull(reference: string, options: StreamOptions = {}): Promise<boolean> {
    try {
      await this.client.stream(
        'POST',
        '/images/create',
        {
          query: { fromImage: reference },
          what: `pull ${reference}`,
          timeoutMs: 30 * 60_000,
          ...signalOf(options),
        },
        this.forward(options),
      );
      return await this.imageExists(reference);
    } catch (err) {
      if (
        isLbeError(err) &&
        (err.code === 'LBE_BUILD_CANCELLED' || err.code === 'LBE_BUILD_ENGINE_UNAVAILABLE')
      ) {
        throw err;
      }
      options.onLine?.(
        `pull ${reference} failed: ${err instanceof Error ? err.message : String(err)}`,
        'stderr',
      );
      return false;
    }
  }

  async importRootfs(tarPath: string, tag: string, options: StreamOptions = {}): Promise<string> {
    // podman's compat API ignores `tag` on import, so import untagged and tag by id afterwards.
    const messages = await this.client.stream(
      'POST',
      '/images/create',
      {
        query: { fromSrc: '-' },
        body: { file: tarPath, contentType: 'application/x-tar' },
        what: `import ${tarPath}`,
        timeoutMs: 30 * 60_000,
        ...signalOf(options),
      },
      this.forward(options),
    );
    const id = messages
      .map((m) => m.status ?? m.id ?? '')
      .map((s) => /(?:sha256:)?([0-9a-f]{64})/.exec(s)?.[1])
      .find((s) => s !== undefined);
    if (id === undefined)
      throw new LbeError('LBE_BUILD_STEP_FAILED', `import of ${tarPath} reported no image id`);
    await this.tag(id, tag, options);
    return id;
  }

  async buildStage(request: StageBuildRequest): Promise<string> {
    const stream: StreamOptions = {
      ...signalOf(request),
      ...(request.onLine === undefined ? {} : { onLine: request.onLine }),
    };
    if (request.network === 'none' && this.options.requireNetworkIsolation !== false) {
      await this.assertNetworkIsolation(request.fromImage, stream);
    }
    const dockerfile = renderStageDockerfile(request);
    return this.withContextTar(
      request.contextDir,
      dockerfile,
      request.sourceDateEpoch,
      stream,
      async (tarPath, name) => {
        const query = buildQuery({
          tag: request.tag,
          dockerfile: name,
          network: request.network,
          mirrorsNetworkMode: this.options.mirrorsNetworkMode,
          limits: request.limits,
          sourceDateEpoch: request.sourceDateEpoch,
          engine: await this.engine(),
        });
        const messages = await this.client.stream(
          'POST',
          '/build',
          {
            query,
            body: { file: tarPath, contentType: 'application/x-tar' },
            what: `build of ${request.tag}`,
            ...(request.limits === undefined ? {} : { timeoutMs: request.limits.timeoutMs }),
            ...signalOf(request),
          },
          this.forward(request),
        );
        const aux = messages.map((m) => m.aux?.ID).find((v): v is string => typeof v === 'string');
        return aux === undefined ? this.imageId(request.tag) : aux.replace(/^sha256:/, '');
      },
    );
  }

  async exportDockerArchive(
    image: string,
    file: string,
    tag: string,
    options: StreamOptions = {},
  ): Promise<void> {
    await this.tag(image, tag, options);
    const res = await this.client.request('GET', `/images/${refPath(tag)}/get`, {
      timeoutMs: 30 * 60_000,
      ...signalOf(options),
    });
    if (res.statusCode !== 200) {
      throw new DockerApiError(res.statusCode ?? 0, engineMessage(await readBody(res)), `export of ${image}`);
    }
    try {
      await pipeline(res, createWriteStream(file, { mode: 0o644 }));
    } catch (err) {
      await rm(file, { force: true });
      throw wrapExportError(err, `writing ${file}`);
    }
  }

  async exportRootfs(image: string, dir: string, options: StreamOptions = {}): Promise<void> {
    if ((await readdir(dir)).length > 0) throw new LbeError('LBE_BUILD_EXPORT_FAILED', `${dir} is not empty`);
    const answer = await this.client.json('POST', '/containers/create', {
      // Never started: Cmd only satisfies engines that refuse images without one.
      body: {
        json: { Image: image, Cmd: ['/lbe-export-never-runs'], Entrypoint: [], NetworkDisabled: true },
      },
      timeoutMs: this.timeout(),
      ...signalOf(options),
    });
    const created = {
      status: answer.status,
      body: answer.body as { Id?: string; message?: string } | undefined,
    };
    const id = created.body?.Id;
    if (created.status !== 201 || id === undefined) {
      throw new DockerApiError(
        created.status,
        created.body?.message ?? 'no container id',
        `export of ${image}`,
      );
    }
    const work = await mkdtemp(path.join(this.options.tempDir ?? tmpdir(), 'lbe-docker-export-'));
    try {
      const tarPath = path.join(work, 'rootfs.tar');
      const res = await this.client.request('GET', `/containers/${id}/export`, {
        timeoutMs: 30 * 60_000,
        ...signalOf(options),
      });
      if (res.statusCode !== 200) {
        throw new DockerApiError(
          res.statusCode ?? 0,
          engineMessage(await readBody(res)),
          `export of ${image}`,
        );
      }
      await pipeline(res, createWriteStream(tarPath));
      // argv: tar --extract --file TAR --directory DIR --numeric-owner --preserve-permissions; exit 0 = unpacked.
      await this.runner.run(
        'tar',
        ['--extract', '--file', tarPath, '--directory', dir, '--numeric-owner', '--preserve-permissions'],
        {
          timeoutMs: 30 * 60_000,
          ...signalOf(options),
          ...(options.onLine === undefined ? {} : { onLine: options.onLine }),
        },
      );
    } finally {
      await this.client
        .text('DELETE', `/containers/${id}`, { query: { force: 1, v: 1 }, timeoutMs: this.timeout() })
        .catch(() => undefined);
      await rm(work, { recursive: true, force: true });
    }
  }

  /** The Engine API cannot mount an image: `use` reads an unpacked copy in a temp dir (see exportRootfs). */
  async withRootfs<T>(
    image: string,
    use: (dir: string) => Promise<T>,
    options: StreamOptions = {},
  ): Promise<T> {
    const work = await mkdtemp(path.join(this.options.tempDir ?? tmpdir(), 'lbe-docker-rootfs-'));
    try {
      await this.exportRootfs(image, work, options);
      return await use(work);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async push(
    image: string,
    destination: string,
    options: StreamOptions & { credentials?: RegistryCredentials; tlsVerify?: boolean } = {},
  ): Promise<string> {
    const target = parseRegistryDestination(destination);
    const mask = createMasker(credentialSecrets(options.credentials));
    const onLine = options.onLine;
    const stream: StreamOptions = {
      ...signalOf(options),
      ...(onLine === undefined
        ? {}
        : {
            onLine: (line, s) => {
              onLine(mask(line), s);
            },
          }),
    };
    try {
      const repo = `${target.registry}/${target.repository}`;
      await this.tag(image, target.reference, stream);
      const messages = await this.client.stream(
        'POST',
        `/images/${refPath(repo)}/push`,
        {
          // `tlsVerify` is podman's; Docker Engine ignores it and uses its insecure-registries setting.
          query: { tag: target.tag, ...(options.tlsVerify === false ? { tlsVerify: 'false' } : {}) },
          headers: { 'X-Registry-Auth': registryAuthHeader(options.credentials, target.registry) },
          what: `push of ${target.reference}`,
          timeoutMs: 30 * 60_000,
          ...signalOf(options),
        },
        this.forward(stream),
      );
      const digest = pushedDigest(messages);
      if (digest === undefined) {
        throw new LbeError('LBE_BUILD_PUSH_FAILED', `the engine reported no digest for ${target.reference}`);
      }
      return digest;
    } catch (err) {
      throw toPushError(err, target.reference, mask);
    }
  }

  async removeImage(ref: string): Promise<void> {
    const { status, text } = await this.client.text('DELETE', `/images/${refPath(ref)}`, {
      timeoutMs: this.timeout(),
    });
    if (status === 200 || status === 404) return;
    throw new DockerApiError(status, engineMessage(text), `remove ${ref}`);
  }

  private async tag(image: string, reference: string, options: StreamOptions): Promise<void> {
    const { repo, tag } = splitImageReference(reference);
    const { status, text } = await this.client.text('POST', `/images/${refPath(image)}/tag`, {
      query: { repo, tag },
      timeoutMs: this.timeout(),
      ...signalOf(options),
    });
    if (status !== 201 && status !== 200)
      throw new DockerApiError(status, engineMessage(text), `tag ${image} as ${reference}`);
  }

  /** See the class comment. Caches success and "not isolated"; other probe failures are not cached. */
  private async assertNetworkIsolation(fromImage: string, options: StreamOptions): Promise<void> {
    if (this.isolationVerdict === undefined) {
      const verdict = this.probeNetworkIsolation(fromImage, options);
      this.isolationVerdict = verdict;
      verdict.catch((err: unknown) => {
        if (!(isLbeError(err) && err.details.networkNotIsolated === true)) this.isolationVerdict = undefined;
      });
    }
    await this.isolationVerdict;
  }

  private async probeNetworkIsolation(fromImage: string, options: StreamOptions): Promise<void> {
    const work = await mkdtemp(path.join(this.options.tempDir ?? tmpdir(), 'lbe-docker-probe-'));
    const probeTag = `lbe-network-probe:${randomBytes(6).toString('hex')}`;
    try {
      const name = stageDockerfileName('probe');
      await writeFile(path.join(work, name), networkProbeDockerfile(fromImage));
      const tarPath = path.join(work, 'context.tar');
      await this.runner.run('tar', ['--create', '--file', tarPath, '-C', work, name], {
        timeoutMs: 60_000,
        ...signalOf(options),
      });
      const seen: string[] = [];
      try {
        await this.client.stream(
          'POST',
          '/build',
          {
            query: {
              ...buildQuery({
                tag: probeTag,
                dockerfile: name,
                network: 'none',
                mirrorsNetworkMode: undefined,
                limits: undefined,
                sourceDateEpoch: 0,
                noCache: true,
              }),
            },
            body: { file: tarPath, contentType: 'application/x-tar' },
            what: 'network isolation probe',
            timeoutMs: 120_000,
            ...signalOf(options),
          },
          (m) => {
            if (m.stream !== undefined) seen.push(m.stream);
          },
        );
      } catch (err) {
        const leak = seen
          .join('')
          .split('\n')
          .find((l) => l.startsWith(NETWORK_PROBE_MARKER));
        if (leak !== undefined) {
          throw new LbeError(
            'LBE_BUILD_STEP_FAILED',
            `The Docker API engine at ${this.endpoint} ignores networkmode=none (a build container saw "${leak.slice(NETWORK_PROBE_MARKER.length + 2)}"); refusing to run a no-network stage with network`,
            { details: { networkNotIsolated: true }, cause: err },
          );
        }
        throw err;
      }
    } finally {
      await this.removeImage(probeTag).catch(() => undefined);
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * Packs `contextDir` plus the stage Dockerfile into a tarball.
   * argv: `tar --create --file TMP/context.tar --sort=name --owner=0 --group=0 --numeric-owner
   *        --mtime=@SOURCE_DATE_EPOCH -C CONTEXT . -C TMP NAME`; exit 0 = written. TMP is removed in `finally`.
   */
  private async withContextTar<T>(
    contextDir: string,
    dockerfile: string,
    sourceDateEpoch: number,
    options: StreamOptions,
    fn: (tarPath: string, dockerfileName: string) => Promise<T>,
  ): Promise<T> {
    const work = await mkdtemp(path.join(this.options.tempDir ?? tmpdir(), 'lbe-docker-context-'));
    try {
      const name = stageDockerfileName(randomBytes(6).toString('hex'));
      await writeFile(path.join(work, name), dockerfile);
      const tarPath = path.join(work, 'context.tar');
      await this.runner.run(
        'tar',
        [
          '--create',
          '--file',
          tarPath,
          '--sort=name',
          '--owner=0',
          '--group=0',
          '--numeric-owner',
          `--mtime=@${sourceDateEpoch}`,
          '-C',
          contextDir,
          '.',
          '-C',
          work,
          name,
        ],
        { timeoutMs: 10 * 60_000, ...signalOf(options) },
      );
      return await fn(tarPath, name);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Forwards progress messages to onLine, one call per text line (errors on stderr). */
  private forward(options: StreamOptions): (message: DockerStreamMessage) => void {
    return (message) => {
      const onLine = options.onLine;
      if (onLine === undefined) return;
      if (message.error !== undefined) {
        for (const l of message.error.split('\n')) if (l.trim() !== '') onLine(l, 'stderr');
        return;
      }
      const text =
        message.stream ??
        (message.status === undefined ? undefined : [message.id, message.status].filter(Boolean).join(': '));
      if (text === undefined) return;
      for (const l of text.split('\n')) if (l.trim() !== '') onLine(l, 'stdout');
    };
  }

  private timeout(): number {
    return this.options.requestTimeoutMs ?? 10 * 60_000;
  }
}

function signalOf(options: StreamOptions): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

/** The manifest digest from a push stream: `aux.Digest` (Docker) or `TAG: digest: sha256:… size: N` (both). */
export function pushedDigest(messages: readonly DockerStreamMessage[]): string | undefined {
  for (const m of messages) {
    const aux = m.aux?.Digest;
    if (typeof aux === 'string' && /^sha256:[0-9a-f]{64}$/.test(aux)) return aux;
  }
  for (const m of messages) {
    const found = /digest: (sha256:[0-9a-f]{64})/.exec(m.status ?? m.stream ?? '');
    if (found?.[1] !== undefined) return found[1];
  }
  return undefined;
}

function wrapExportError(err: unknown, what: string): LbeError {
  if (isLbeError(err)) return err;
  return new LbeError(
    'LBE_BUILD_EXPORT_FAILED',
    `${what} failed: ${err instanceof Error ? err.message : String(err)}`,
    {
      cause: err,
    },
  );
}
