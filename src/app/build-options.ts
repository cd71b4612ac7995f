import type { Config } from '../config/index.js';
import { createIsoSteps, type ProcessRunner, type RunBuildOptions } from '../executor/index.js';

/**
 * The parts of `runBuild`'s options that come from the environment, shared by `lbe build` and the worker:
 * cache dir, limits of user-script stages, masked secrets, the registry push when DOCKER_IMAGE_REPO is set
 * (credentials go to the registry tool on stdin, never argv) and the ISO / boot-test steps.
 */
export function runBuildOptionsFromConfig(
  config: Config,
  runner: ProcessRunner,
  imageTag: string,
): Pick<RunBuildOptions, 'cacheDir' | 'limits' | 'secrets' | 'publish' | 'iso' | 'bootTest'> {
  const isoSteps = createIsoSteps(runner, { bootTimeoutMs: config.BOOT_TEST_TIMEOUT_SECONDS * 1000 });
  return {
    cacheDir: config.cacheDir,
    limits: {
      memory: config.BUILD_MEMORY_LIMIT,
      cpus: config.BUILD_CPU_LIMIT,
      pids: config.BUILD_PIDS_LIMIT,
      timeoutMs: config.BUILD_TIMEOUT_SECONDS * 1000,
    },
    secrets: [config.DOCKER_HUB_TOKEN, config.LLM_API_KEY, config.ADMIN_API_KEY],
    iso: isoSteps.iso,
    bootTest: isoSteps.bootTest,
    ...(config.DOCKER_IMAGE_REPO === undefined
      ? {}
      : {
          publish: {
            destination: `${config.DOCKER_IMAGE_REPO}:${imageTag.split(':').pop() ?? 'latest'}`,
            tlsVerify: config.REGISTRY_TLS_VERIFY,
            ...(config.DOCKER_HUB_USER !== undefined && config.DOCKER_HUB_TOKEN !== undefined
              ? { credentials: { username: config.DOCKER_HUB_USER, password: config.DOCKER_HUB_TOKEN } }
              : {}),
          },
        }),
  };
}
