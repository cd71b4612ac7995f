import type { z } from 'zod';
import { downloadUrl, toArtifactSummaryFromRow } from '../../../builds/artifact-summary.js';
import type { ArtifactSummary } from '../../../builds/build-events.js';
import type { Build, BuildArtifact, LogPage } from '../../../store/index.js';
import type { artifactSchema, buildStatusResponseSchema, buildSummarySchema } from './build.schemas.js';

/** Epoch ms → ISO string (null stays null). */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export { downloadUrl };
export const statusUrl = (id: string): string => `/api/build/status/${id}`;
export const eventsUrl = (id: string): string => `/api/build/${id}/events/stream`;

/** The client's view of an artifact row: sizes, checksums and a download URL — never the server path. */
export function toArtifactView(artifact: BuildArtifact): z.output<typeof artifactSchema> {
  return { ...toArtifactSummaryFromRow(artifact), createdAt: new Date(artifact.createdAt).toISOString() };
}

/** The artifact summary carried by BUILD_COMPLETE events. */
export function toArtifactSummary(artifact: BuildArtifact): ArtifactSummary {
  return toArtifactSummaryFromRow(artifact);
}

export function toStatusView(
  build: Build,
  logs: LogPage,
  artifacts: readonly BuildArtifact[],
): z.output<typeof buildStatusResponseSchema> {
  return {
    buildId: build.id,
    name: build.name,
    status: build.status,
    step: build.step,
    progress: build.progress,
    base: build.base,
    buildKey: build.buildKey,
    error:
      build.errorCode === null
        ? null
        : { code: build.errorCode, message: build.errorMessage ?? build.errorCode },
    warnings: [...build.warnings],
    attempts: build.attempts,
    cancelRequested: build.cancelRequestedAt !== null,
    createdAt: new Date(build.createdAt).toISOString(),
    queuedAt: iso(build.queuedAt),
    startedAt: iso(build.startedAt),
    finishedAt: iso(build.finishedAt),
    durationMs:
      build.startedAt !== null && build.finishedAt !== null
        ? Math.max(0, build.finishedAt - build.startedAt)
        : null,
    timings: { ...build.timings },
    logs: {
      lines: logs.lines.map((l) => ({
        seq: l.seq,
        ts: new Date(l.ts).toISOString(),
        level: l.level,
        step: l.step,
        message: l.message,
      })),
      lastSeq: logs.lastSeq,
    },
    artifacts: artifacts.map(toArtifactView),
  };
}

export function toSummaryView(build: Build): z.output<typeof buildSummarySchema> {
  return {
    buildId: build.id,
    name: build.name,
    status: build.status,
    step: build.step,
    progress: build.progress,
    base: build.base,
    createdAt: new Date(build.createdAt).toISOString(),
    finishedAt: iso(build.finishedAt),
    statusUrl: statusUrl(build.id),
  };
}
