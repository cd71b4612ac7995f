export type {
  Builder,
  RegistryCredentials,
  ResourceLimits,
  StageBuildRequest,
  StreamOptions,
} from './builder.types.js';
export {
  runBuild,
  BUILD_LOG,
  type BootTestStep,
  type BuildResult,
  type IsoStep,
  type PublishTarget,
  type RunBuildOptions,
} from './build.pipeline.js';
export { createBuilder, type BuilderDeps, type BuilderKind } from './builder.factory.js';
export { BuildahBuilder, buildahStorageFor, type BuildahBuilderOptions } from './buildah/buildah.builder.js';
export {
  ensureBaseImage,
  bootstrapImageRef,
  bootstrapTarballPath,
  type BaseImage,
} from './base/base-image.service.js';
export { BuildCacheStore } from './pipeline/build-cache.store.js';
export { ENGINE_VERSION, buildKey, stageKey, stageCacheTag } from './pipeline/build-key.js';
export type { BuildProgress, BuildStep } from './pipeline/build-progress.js';
export type { BuildManifest, StageRecord } from './artifacts/build-manifest.types.js';
export { createMasker, type Masker } from './artifacts/secret.masker.js';
export { NodeProcessRunner, type ProcessRunner } from './process/process-runner.js';
export { createIsoSteps, type IsoStepsOptions } from './iso/iso.steps.js';
export { bootTest, bootTestFailure, type BootTestOptions, type BootTestResult } from './iso/boot-test.js';
export { buildLiveIso, type LiveIsoInput, type LiveIsoResult } from './iso/live-iso.builder.js';
export {
  claimProcessScratch,
  ensureScratchDir,
  isScratchDir,
  type ProcessScratch,
} from './process/process-scratch.js';
