import { mkdir, stat } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Logger } from 'pino';
import { buildArtifactsDir, resolveArtifactFile, sha256File } from '../artifacts/index.js';
import type { BuildRunContext, BuildRunResult, BuildWorkerEvent, RunBuild } from '../jobs/index.js';
import type { LbeMetrics } from '../observability/index.js';
import {
  isTerminalBuildStatus,
  type ArtifactFileType,
  type Build,
  type LogLevel,
  type Store,
} from '../store/index.js';
import type { BuildEventBus } from './build-events.js';
import { LogBatcher } from './build-log.batcher.js';
import { toArtifactSummaryFromRow } from './artifact-summary.js';

/** What the worker asks of the executor for one build. */
export interface ExecutorRequest {
  readonly buildId: string;
  /** The normalized spec stored on the build row; the executor plans it. */
  readonly spec: unknown;
  /** `${ARTIFACTS_DIR}/<buildId>/`, created; every artifact file must be written inside it. */
  readonly outputDir: string;
  readonly signal: AbortSignal;
  onLine(line: string, step: string | null, level?: LogLevel): void;
  onStep(step: string, progress: number): void;
}

export interface ExecutorArtifact {
  readonly fileType: ArtifactFileType;
  /** Absolute path inside `outputDir` (null for records such as `image-ref`). */
  readonly path: string | null;
  readonly fileName: string;
  readonly ref?: string | null;
}

export interface ExecutorResult extends BuildRunResult {
  readonly artifacts: readonly ExecutorArtifact[];
}

/**
 * The executor seen from the worker. Contract (as BuildWorker's RunBuild): resolves with the artifacts on
 * success, rejects with an LbeError whose class decides retry/fail, honours `signal`.
 */
export type ExecutorPort = (request: ExecutorRequest) => Promise<ExecutorResult>;

export interface RunBuildDeps {
  readonly store: Store;
  readonly events: BuildEventBus;
  readonly artifactsDir: string;
  readonly executor: ExecutorPort;
  readonly metrics?: LbeMetrics;
  readonly logger: Logger;
}

/**
 * Adapts the executor to BuildWorker's `runBuild(build, ctx)`: log lines go to the store in batches (via
 * `ctx.log`) and to the event bus at once; steps to `ctx.reportProgress` and the bus; on success every
 * artifact is recorded with its size, sha256 and path relative to ARTIFACTS_DIR (checked to stay inside).
 */
export function createRunBuild(deps: RunBuildDeps): RunBuild {
  return async (build: Build, ctx: BuildRunContext) => {
    const log = deps.logger.child({
      buildId: build.id,
      tenantId: build.organizationId,
      attempt: ctx.attempt,
    });
    const outputDir = buildArtifactsDir(deps.artifactsDir, build.id);
    await mkdir(outputDir, { recursive: true });
    const batcher = new LogBatcher(
      (lines) => ctx.log(lines),
      (err: unknown) => {
        log.warn({ err }, 'build log lines could not be stored');
      },
    );
    let currentStep: string | null = null;
    deps.metrics?.activeBuilds.inc();
    log.info('build started');
    try {
      const result = await deps.executor({
        buildId: build.id,
        spec: build.spec,
        outputDir,
        signal: ctx.signal,
        onLine(line, step, level = 'info') {
          const ts = Date.now();
          batcher.push({ message: line, step: step ?? currentStep, level, ts });
          deps.events.publish({ type: 'LOG', buildId: build.id, tenantId: build.organizationId, line, ts });
        },
        onStep(step, progress) {
          currentStep = step;
          log.info({ step, progress }, 'build step');
          deps.events.publish({
            type: 'STEP',
            buildId: build.id,
            tenantId: build.organizationId,
            step,
            progress,
          });
          ctx.reportProgress(step, progress).catch((err: unknown) => {
            log.warn({ err }, 'progress not recorded');
          });
        },
      });
      await batcher.close();
      for (const artifact of result.artifacts) await recordArtifact(deps, build.id, artifact);
      return { timings: result.timings, warnings: result.warnings };
    } finally {
      await batcher.close();
      deps.metrics?.activeBuilds.dec();
    }
  };
}

async function recordArtifact(
  deps: RunBuildDeps,
  buildId: string,
  artifact: ExecutorArtifact,
): Promise<void> {
  if (artifact.path === null) {
    await deps.store.artifacts.add(buildId, {
      fileType: artifact.fileType,
      fileName: artifact.fileName,
      sizeBytes: 0,
      ref: artifact.ref ?? null,
    });
    return;
  }
  const rel = relative(deps.artifactsDir, artifact.path);
  resolveArtifactFile(deps.artifactsDir, rel); // throws unless inside ARTIFACTS_DIR
  const [st, sha256] = await Promise.all([stat(artifact.path), sha256File(artifact.path)]);
  await deps.store.artifacts.add(buildId, {
    fileType: artifact.fileType,
    fileName: artifact.fileName,
    sizeBytes: st.size,
    sha256,
    path: rel,
    ref: artifact.ref ?? null,
  });
}

/**
 * BuildWorker's `onEvent` → the event bus and metrics: terminal statuses become BUILD_COMPLETE with the
 * artifact list (read from the store), other statuses BUILD_STATUS; build durations are observed on
 * completion. Progress and log events are published by `createRunBuild` already.
 */
export function bridgeWorkerEvents(deps: {
  readonly store: Store;
  readonly events: BuildEventBus;
  readonly metrics?: LbeMetrics;
  readonly logger: Logger;
}): (event: BuildWorkerEvent) => void {
  return (event) => {
    if (event.type !== 'status') return;
    const tenantId = event.organizationId;
    if (!isTerminalBuildStatus(event.status)) {
      deps.events.publish({ type: 'BUILD_STATUS', buildId: event.buildId, tenantId, status: event.status });
      return;
    }
    void (async () => {
      const [build, artifacts] = await Promise.all([
        deps.store.builds.get(tenantId, event.buildId),
        deps.store.artifacts.list(tenantId, event.buildId),
      ]);
      if (build?.startedAt != null && build.finishedAt !== null) {
        deps.metrics?.buildDuration.observe(
          { status: event.status },
          (build.finishedAt - build.startedAt) / 1000,
        );
      }
      deps.logger.info(
        { buildId: event.buildId, tenantId, status: event.status, errorCode: event.errorCode },
        event.status === 'SUCCESS'
          ? 'build completed'
          : event.status === 'CANCELLED'
            ? 'build cancelled'
            : 'build failed',
      );
      deps.events.publish({
        type: 'BUILD_COMPLETE',
        buildId: event.buildId,
        tenantId,
        status: event.status,
        artifacts: (artifacts ?? []).map(toArtifactSummaryFromRow),
        errorCode: event.errorCode ?? null,
      });
    })().catch((err: unknown) => {
      deps.logger.error({ err, buildId: event.buildId }, 'BUILD_COMPLETE not published');
    });
  };
}
