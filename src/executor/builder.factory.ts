import { BuildahBuilder, buildahStorageFor } from './buildah/buildah.builder.js';
import type { Builder } from './builder.types.js';
import { DockerBuilder, isDockerAvailable } from './docker/index.js';
import type { ProcessRunner } from './process/process-runner.js';

export type BuilderKind = 'auto' | 'buildah' | 'docker';

export interface BuilderDeps {
  readonly runner: ProcessRunner;
  /** `${cacheDir}`: the buildah store lives in `${cacheDir}/containers`. */
  readonly cacheDir: string;
  /** DOCKER_HOST; `auto` picks docker only when an engine answers there. */
  readonly dockerHost?: string;
}

/**
 * The backend for BUILD_BACKEND / `--backend`: `buildah` (daemonless, the default on hosts without an engine),
 * `docker` (a Docker Engine API at DOCKER_HOST, e.g. podman system service), or `auto` = docker when an engine
 * answers `/_ping` within 2 s, else buildah.
 */
export async function createBuilder(kind: BuilderKind, deps: BuilderDeps): Promise<Builder> {
  const docker = (): Builder =>
    new DockerBuilder({
      runner: deps.runner,
      ...(deps.dockerHost === undefined ? {} : { dockerHost: deps.dockerHost }),
    });
  const buildah = (): Builder =>
    new BuildahBuilder({ runner: deps.runner, storage: buildahStorageFor(deps.cacheDir) });
  switch (kind) {
    case 'buildah':
      return buildah();
    case 'docker':
      return docker();
    case 'auto':
      return (await isDockerAvailable(deps.dockerHost, 2000)) ? docker() : buildah();
  }
}
