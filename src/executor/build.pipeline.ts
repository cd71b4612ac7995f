import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbeError, isLbeError } from '../errors/index.js';
import type { BuildPlan } from '../plan/plan.types.js';
import { BuildLogWriter } from './artifacts/build-log.writer.js';
import type {
  BootTestRecord,
  BuildManifest,
  IsoRecord,
  StageRecord,
} from './artifacts/build-manifest.types.js';
import { SHA256SUMS, writeSha256Sums } from './artifacts/checksums.writer.js';
import { createMasker } from './artifacts/secret.masker.js';
import { ensureBaseImage, type BaseImage } from './base/base-image.service.js';
import type { Builder, RegistryCredentials, ResourceLimits, StreamOptions } from './builder.types.js';
import { writeBuildContext } from './context/build-context.writer.js';
import { runExportStep } from './pipeline/artifact-export.step.js';
import { BuildCacheStore } from './pipeline/build-cache.store.js';
import { ENGINE_VERSION, buildKey, stageCacheTag, stageKey } from './pipeline/build-key.js';
import { progressAt, type BuildProgress, type BuildStep } from './pipeline/build-progress.js';
import { mapStageFailure } from './pipeline/stage-failure.mapper.js';
import type { ProcessRunner } from './process/process-runner.js';
import { pushImage } from './registry/index.js';
import { MMDEBSTRAP } from './tools/mmdebstrap.tool.js';
import { runTool } from './tools/tool.invocation.js';

/**
 * Builds `live.iso` from an unpacked rootfs (src/executor/iso, injected so this module does not own it) and
 * describes it for manifest.json (`durationMs` is filled in by the pipeline).
 */
export type IsoStep = (input: {
  readonly plan: BuildPlan;
  readonly rootfsDir: string;
  readonly outFile: string;
  readonly workDir: string;
  readonly signal?: AbortSignal;
  readonly onLine: (line: string) => void;
}) => Promise<Omit<IsoRecord, 'durationMs'>>;

/** Boots `live.iso` to a login prompt (and the plan's host name) or throws LBE_BUILD_BOOT_TEST_FAILED. */
export type BootTestStep = (input: {
  readonly plan: BuildPlan;
  readonly isoFile: string;
  readonly signal?: AbortSignal;
  readonly onLine: (line: string) => void;
}) => Promise<BootTestRecord>;

export interface PublishTarget {
  /** `host[:port]/repo[:tag]`. */
  readonly destination: string;
  readonly credentials?: RegistryCredentials;
  readonly tlsVerify: boolean;
}

export interface RunBuildOptions {
  /** Where the artifacts go; created if missing. Files of the same names are replaced. */
  readonly outDir: string;
  readonly builder: Builder;
  readonly runner: ProcessRunner;
  /** `${cacheDir}`: bases/ (bootstrap tarballs) and builds/ (build-key cache). */
  readonly cacheDir: string;
  /** Limits of `limited` stages (user scripts): BUILD_MEMORY_LIMIT, BUILD_CPU_LIMIT, BUILD_PIDS_LIMIT, BUILD_TIMEOUT_SECONDS. */
  readonly limits: ResourceLimits;
  readonly signal?: AbortSignal;
  /** Every tool line, masked. */
  readonly onLog?: (line: string) => void;
  readonly onProgress?: (progress: BuildProgress) => void;
  /** Rebuild even when the build key is cached (stage images are still reused). */
  readonly force?: boolean;
  /** Values masked in build.log and onLog (DOCKER_HUB_TOKEN, registry passwords, …). */
  readonly secrets?: readonly (string | undefined)[];
  /** Registry push after the build (the `publish` step); a failed push fails the build. */
  readonly publish?: PublishTarget;
  /** Required when `plan.spec.outputs.iso`. */
  readonly iso?: IsoStep;
  /** Required when `plan.spec.outputs.bootTest`. */
  readonly bootTest?: BootTestStep;
  /** Temp dirs go here (default os.tmpdir()). */
  readonly tmpDir?: string;
  readonly now?: () => Date;
}

export interface BuildResult {
  readonly buildKey: string;
  /** true: the artifacts came from the build-key cache, nothing was built. */
  readonly cached: boolean;
  readonly imageTag: string;
  readonly imageId: string;
  readonly outDir: string;
  /** Artifact file names in outDir (SHA256SUMS and build.log included). */
  readonly artifacts: readonly string[];
  readonly stages: readonly StageRecord[];
  readonly durationMs: number;
  readonly manifest: BuildManifest;
}

export const BUILD_LOG = 'build.log';

/**
 * Runs a BuildPlan end to end: base → RUN stages (each on the previous stage's image, each cached by its
 * stage key) → export (image.tar, Dockerfile, context.tar, sbom.spdx.json, rootfs.tar.zst when
 * outputs.rootfs, live.iso when outputs.iso) → publish (optional push) → manifest.json → SHA256SUMS.
 * A successful build is stored under its build key; an identical later request is answered from there.
 *
 * Contract: resolves with the BuildResult or rejects with an LbeError (LBE_BUILD_PACKAGES_FAILED,
 * _MIRROR_UNREACHABLE, _SCRIPT_FAILED, _TIMEOUT, _CANCELLED, _BASE_UNAVAILABLE, _PUSH_FAILED, _ISO_FAILED,
 * _TOOL_MISSING, _STEP_FAILED, _EXPORT_FAILED) carrying `details.stage` and the tool's last lines.
 * Temp dirs, working containers and mounts are gone when it returns or throws; on failure `outDir` keeps
 * only `build.log`.
 */
export async function runBuild(plan: BuildPlan, options: RunBuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const now = options.now ?? (() => new Date());
  const { builder, runner, signal } = options;
  await mkdir(options.outDir, { recursive: true });
  const mask = createMasker(options.secrets ?? []);
  const log = new BuildLogWriter(join(options.outDir, BUILD_LOG), mask, options.onLog, now);
  const steps = buildSteps(plan);
  let lastPct = 0;
  const progress = (step: BuildStep): void => {
    lastPct = Math.max(lastPct, progressAt(step, steps));
    options.onProgress?.({ step, pct: lastPct });
  };
  const lineTo = (source: string): StreamOptions => ({
    ...(signal === undefined ? {} : { signal }),
    onLine: (line) => {
      log.write(source, line);
    },
  });
  const written: string[] = [];
  const work = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'lbe-build-'));
  let stage = 'base';
  try {
    // An output the spec asked for is never skipped: without its step the build fails before it starts.
    if (plan.spec.outputs.iso && options.iso === undefined) {
      stage = 'iso';
      throw new LbeError('LBE_BUILD_ISO_FAILED', 'outputs.iso is set but this executor has no ISO builder');
    }
    if (plan.spec.outputs.bootTest && options.bootTest === undefined) {
      stage = 'boot-test';
      throw new LbeError(
        'LBE_BUILD_BOOT_TEST_FAILED',
        'outputs.bootTest is set but no boot tester is available',
      );
    }
    progress('base');
    log.write('lbe', `build of ${plan.imageTag} (plan ${plan.hash.slice(0, 12)}) with ${builder.name}`);
    const base = await ensureBaseImage(plan.base, {
      builder,
      runner,
      cacheDir: options.cacheDir,
      ...lineTo('base'),
    });
    log.write('lbe', `base ${base.ref} (${base.source}) id ${base.imageId.slice(0, 12)}`);
    const key = buildKey(plan.hash, base.imageId);
    const cache = BuildCacheStore.under(options.cacheDir);

    if (options.force !== true) {
      const hit = await cache.lookup(key);
      if (hit !== undefined) {
        await cache.materialize(hit, options.outDir);
        log.write('lbe', `build key ${key.slice(0, 12)}: cache hit, artifacts reused from ${hit.dir}`);
        progress('done');
        const manifest = JSON.parse(await readFile(join(hit.dir, 'manifest.json'), 'utf8')) as BuildManifest;
        return {
          buildKey: key,
          cached: true,
          imageTag: plan.imageTag,
          imageId: manifest.imageId,
          outDir: options.outDir,
          artifacts: [...hit.files, BUILD_LOG],
          stages: manifest.stages,
          durationMs: Date.now() - started,
          manifest,
        };
      }
    }

    const contextDir = join(work, 'context');
    await mkdir(contextDir);
    await writeBuildContext(plan.files, contextDir);

    const records: StageRecord[] = [];
    let image = base.ref;
    let imageId = base.imageId;
    for (const recipeStage of plan.stages) {
      stage = recipeStage.name;
      progress(recipeStage.name);
      const t0 = Date.now();
      const sKey = stageKey(imageId, recipeStage, plan.files, plan.sourceDateEpoch);
      const tag = stageCacheTag(sKey);
      let cacheHit = false;
      if (await builder.imageExists(tag)) {
        cacheHit = true;
        imageId = await builder.imageId(tag);
        log.write('lbe', `stage ${recipeStage.name}: cache hit ${sKey.slice(0, 12)}`);
      } else {
        log.write(
          'lbe',
          `stage ${recipeStage.name}: building ${sKey.slice(0, 12)} (network ${recipeStage.network})`,
        );
        try {
          imageId = await builder.buildStage({
            fromImage: image,
            instructions: recipeStage.instructions,
            contextDir,
            tag,
            network: recipeStage.network,
            sourceDateEpoch: plan.sourceDateEpoch,
            ...(recipeStage.limited ? { limits: options.limits } : {}),
            ...lineTo(recipeStage.name),
          });
        } catch (err) {
          throw mapStageFailure(recipeStage.name, err, mask);
        }
      }
      image = tag;
      records.push({ name: recipeStage.name, key: sKey, imageId, cacheHit, durationMs: Date.now() - t0 });
    }

    stage = 'export';
    progress('export');
    const t0 = Date.now();
    const out = (name: string): string => {
      written.push(name);
      return join(options.outDir, name);
    };
    // Registered in artifact order up front, so a failure part-way removes whatever was already written.
    const inventory = await runExportStep({
      plan,
      builder,
      runner,
      image,
      imageId,
      contextDir,
      buildKey: key,
      files: {
        imageArchive: out('image.tar'),
        dockerfile: out('Dockerfile'),
        contextArchive: out('context.tar'),
        sbom: out('sbom.spdx.json'),
        ...(plan.spec.outputs.rootfs ? { rootfsArchive: out('rootfs.tar.zst') } : {}),
      },
      ...(signal === undefined ? {} : { signal }),
      log: (source, line) => {
        log.write(source, line);
      },
    });
    records.push({ name: 'export', cacheHit: false, durationMs: Date.now() - t0 });

    const { iso: isoStep, bootTest: bootTestStep } = options;
    let isoRecord: IsoRecord | undefined;
    let bootTestRecord: BootTestRecord | undefined;
    if (plan.spec.outputs.iso && isoStep !== undefined) {
      stage = 'iso';
      progress('iso');
      const t1 = Date.now();
      const isoFile = out('live.iso');
      const isoWork = join(work, 'iso');
      await mkdir(isoWork);
      const built = await builder.withRootfs(
        image,
        (rootfsDir) =>
          isoStep({
            plan,
            rootfsDir,
            outFile: isoFile,
            workDir: isoWork,
            ...(signal === undefined ? {} : { signal }),
            onLine: (l) => {
              log.write('iso', l);
            },
          }),
        lineTo('iso'),
      );
      isoRecord = { ...built, durationMs: Date.now() - t1 };
      records.push({ name: 'iso', cacheHit: false, durationMs: isoRecord.durationMs });
      if (plan.spec.outputs.bootTest && bootTestStep !== undefined) {
        stage = 'boot-test';
        const tBoot = Date.now();
        bootTestRecord = await bootTestStep({
          plan,
          isoFile,
          ...(signal === undefined ? {} : { signal }),
          onLine: (l) => {
            log.write('boot-test', l);
          },
        });
        records.push({ name: 'boot-test', cacheHit: false, durationMs: Date.now() - tBoot });
      }
    }

    let registry: BuildManifest['registry'];
    if (options.publish !== undefined) {
      stage = 'publish';
      progress('publish');
      const t2 = Date.now();
      const pushed = await pushImage({
        builder,
        runner,
        image,
        destination: options.publish.destination,
        tlsVerify: options.publish.tlsVerify,
        ...(options.publish.credentials === undefined ? {} : { credentials: options.publish.credentials }),
        ...lineTo('publish'),
      });
      registry = { reference: pushed.reference, digest: pushed.digest };
      await writeFile(out('docker-image-ref'), `${pushed.reference}@${pushed.digest}\n`);
      records.push({ name: 'publish', cacheHit: false, durationMs: Date.now() - t2 });
    }

    const manifest: BuildManifest = {
      manifestVersion: 1,
      name: plan.spec.name,
      imageTag: plan.imageTag,
      specHash: specHashOf(plan),
      planHash: plan.hash,
      buildKey: key,
      engineVersion: ENGINE_VERSION,
      backend: builder.name,
      sourceDateEpoch: plan.sourceDateEpoch,
      builtAt: now().toISOString(),
      base: {
        distro: plan.base.distro,
        release: plan.base.release,
        architecture: plan.base.architecture,
        ref: base.ref,
        imageId: base.imageId,
        source: base.source,
        origin: base.origin,
      },
      imageId,
      packages: inventory.packages.map((p) => ({
        name: p.name,
        version: p.epoch === undefined ? p.version : `${p.epoch}:${p.version}`,
        arch: p.arch,
      })),
      requestedPackages: plan.packages.install,
      tools: await toolVersions(builder, runner, base),
      stages: records,
      artifacts: [...written, 'manifest.json'],
      ...(registry === undefined ? {} : { registry }),
      ...(isoRecord === undefined ? {} : { iso: isoRecord }),
      ...(bootTestRecord === undefined ? {} : { bootTest: bootTestRecord }),
      warnings: [...plan.warnings.map((w) => `${w.path}: ${w.message}`), ...inventory.warnings],
    };
    await writeFile(out('manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await writeSha256Sums(options.outDir, [...written]);
    const cachedFiles = [...written, SHA256SUMS];
    await cache.save(key, options.outDir, cachedFiles);
    log.write('lbe', `build ${key.slice(0, 12)} complete in ${Date.now() - started} ms`);
    progress('done');
    return {
      buildKey: key,
      cached: false,
      imageTag: plan.imageTag,
      imageId,
      outDir: options.outDir,
      artifacts: [...cachedFiles, BUILD_LOG],
      stages: records,
      durationMs: Date.now() - started,
      manifest,
    };
  } catch (err) {
    const failure = asBuildError(err, stage, signal);
    log.write('lbe', `build failed in ${stage}: [${failure.code}] ${mask(failure.message)}`);
    for (const name of written) await rm(join(options.outDir, name), { force: true });
    throw failure;
  } finally {
    await rm(work, { recursive: true, force: true });
    await log.close();
  }
}

function buildSteps(plan: BuildPlan): Exclude<BuildStep, 'done'>[] {
  return [
    'base',
    ...plan.stages.map((s) => s.name),
    'export',
    ...(plan.spec.outputs.iso ? (['iso'] as const) : []),
  ];
}

/** Cancellation wins over whatever error the kill produced; non-LbeErrors become LBE_BUILD_STEP_FAILED. */
function asBuildError(err: unknown, stage: string, signal: AbortSignal | undefined): LbeError {
  if (signal?.aborted === true) {
    return isLbeError(err) && err.code === 'LBE_BUILD_CANCELLED'
      ? withStage(err, stage)
      : new LbeError('LBE_BUILD_CANCELLED', `The build was cancelled during ${stage}`, {
          details: { stage },
          cause: err,
        });
  }
  if (isLbeError(err)) return withStage(err, stage);
  return new LbeError(
    stage === 'export' ? 'LBE_BUILD_EXPORT_FAILED' : 'LBE_BUILD_STEP_FAILED',
    `The ${stage} step failed: ${err instanceof Error ? err.message : String(err)}`,
    { details: { stage }, cause: err },
  );
}

function withStage(err: LbeError, stage: string): LbeError {
  if (err.details.stage !== undefined) return err;
  return new LbeError(err.code, err.message, {
    issues: err.issues,
    details: { ...err.details, stage },
    cause: err.cause ?? err,
  });
}

function specHashOf(plan: BuildPlan): string {
  return createHashHex(JSON.stringify(plan.spec));
}

function createHashHex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function toolVersions(
  builder: Builder,
  runner: ProcessRunner,
  base: BaseImage,
): Promise<Record<string, string>> {
  const tools: Record<string, string> = { [builder.name]: await builder.version() };
  if (base.source === 'bootstrapped' || base.origin.startsWith('mmdebstrap')) {
    try {
      tools.mmdebstrap = (
        await runTool(runner, MMDEBSTRAP, ['--version'], { timeoutMs: 10_000 })
      ).stdout.trim();
    } catch {
      tools.mmdebstrap = 'unknown';
    }
  }
  return tools;
}
