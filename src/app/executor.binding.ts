import { tmpdir } from 'node:os';
import type { Logger } from 'pino';
import type { ExecutorArtifact, ExecutorPort } from '../builds/build-runner.js';
import type { Config } from '../config/index.js';
import { LbeError } from '../errors/index.js';
import {
  createBuilder,
  ensureScratchDir,
  isScratchDir,
  NodeProcessRunner,
  runBuild,
  type Builder,
} from '../executor/index.js';
import { plan } from '../plan/index.js';
import type { ArtifactFileType } from '../store/index.js';
import { validateSpec } from '../spec/index.js';
import { runBuildOptionsFromConfig } from './build-options.js';

/** Artifact file name (as `runBuild` writes it) → the type the API downloads it by. */
const ARTIFACT_TYPES: Readonly<Record<string, ArtifactFileType>> = {
  'image.tar': 'docker',
  'live.iso': 'iso',
  'rootfs.tar.zst': 'rootfs',
  'sbom.spdx.json': 'sbom',
  'manifest.json': 'manifest',
  Dockerfile: 'dockerfile',
  'context.tar': 'context',
  'build.log': 'log',
  SHA256SUMS: 'checksums',
};

/**
 * Binds the executor pipeline (`runBuild`) to the worker's ExecutorPort: the build row's spec is validated
 * and planned again (the row is data, not trusted code), built into `outputDir` with the configured backend,
 * limits, registry push and ISO/boot-test steps; tool lines become build log lines and progress becomes
 * STEP events. The builder is created once per process, on the first build (backend auto-detection probes
 * the tools).
 */
export function resolveExecutor(config: Config, logger: Logger): ExecutorPort | undefined {
  const runner = new NodeProcessRunner();
  let builder: Promise<Builder> | undefined;
  const getBuilder = (): Promise<Builder> => {
    builder ??= createBuilder(config.BUILD_BACKEND, {
      runner,
      cacheDir: config.cacheDir,
      ...(config.DOCKER_HOST === undefined ? {} : { dockerHost: config.DOCKER_HOST }),
    }).catch((err: unknown) => {
      builder = undefined;
      throw err;
    });
    return builder;
  };
  return async (request) => {
    const validation = validateSpec(request.spec);
    if (!validation.ok) {
      throw new LbeError('LBE_SPEC_INVALID', 'the stored spec no longer validates', {
        details: { issues: validation.errors },
      });
    }
    const buildPlan = plan(validation.spec);
    // The process's scratch dir (TMPDIR) may have been removed by a temp cleaner while the process idled.
    if (isScratchDir(tmpdir())) await ensureScratchDir(tmpdir());
    const built = await runBuild(buildPlan, {
      ...runBuildOptionsFromConfig(config, runner, buildPlan.imageTag),
      outDir: request.outputDir,
      builder: await getBuilder(),
      runner,
      signal: request.signal,
      onLog: (line) => {
        request.onLine(line, null);
      },
      onProgress: (p) => {
        request.onStep(p.step, p.pct);
      },
    });
    logger.info(
      { buildId: request.buildId, buildKey: built.buildKey, cached: built.cached, ms: built.durationMs },
      'executor finished',
    );
    const artifacts: ExecutorArtifact[] = [];
    for (const fileName of built.artifacts) {
      const fileType = ARTIFACT_TYPES[fileName];
      if (fileType !== undefined) {
        artifacts.push({ fileType, fileName, path: `${request.outputDir}/${fileName}` });
      }
    }
    if (built.manifest.registry !== undefined) {
      artifacts.push({
        fileType: 'image-ref',
        fileName: 'image-ref',
        path: null,
        ref: built.manifest.registry.reference,
      });
    }
    return {
      artifacts,
      timings: Object.fromEntries(built.stages.map((s) => [s.name, s.durationMs])),
      warnings: buildPlan.warnings.map((w) => `${w.path}: ${w.message}`),
    };
  };
}
