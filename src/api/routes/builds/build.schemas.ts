import { z } from 'zod';
import { BUILD_STATUSES } from '../../../store/index.js';
import { DOWNLOAD_TYPES } from '../../../artifacts/index.js';

const issueSchema = z.object({ path: z.string(), message: z.string() });

export const buildStatusSchema = z.enum(BUILD_STATUSES);

const isoTime = z.string().nullable().describe('ISO 8601 UTC timestamp');

/** What clients send to start a build: a BuildSpec (see the BuildSpec guide) or `{prompt}`, plus `force`. */
export const startBuildBodySchema = z
  .object({
    prompt: z
      .string()
      .min(1)
      .max(4000)
      .optional()
      .describe('A plain-English request; an LLM turns it into a spec (501 when no LLM is configured)'),
    force: z.boolean().optional().describe('Build even if the same spec already succeeded'),
  })
  .catchall(z.unknown())
  .describe(
    'A BuildSpec (name, base, packages, users, outputs, …; unknown fields are errors) or {prompt}. `force` may be added to either.',
  );

export const forceQuerySchema = z.object({
  force: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .describe('Build even if the same spec already succeeded for this tenant'),
});

export const artifactSchema = z
  .object({
    type: z.string().describe(`One of ${DOWNLOAD_TYPES.join(', ')}, context, image-ref`),
    fileName: z.string(),
    sizeBytes: z.number().int(),
    sha256: z.string().nullable(),
    downloadUrl: z.string().nullable().describe('Relative URL; null for records and expired files'),
    ref: z.string().nullable().describe('Registry reference (image-ref only)'),
    expired: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'Artifact' });

export const startBuildResponseSchema = z
  .object({
    buildId: z.string(),
    status: buildStatusSchema,
    reused: z.boolean().describe('True when an earlier successful build with the same build key is returned'),
    spec: z.record(z.string(), z.unknown()).describe('The normalized spec'),
    warnings: z.array(issueSchema),
    statusUrl: z.string(),
    eventsUrl: z.string(),
  })
  .meta({ id: 'StartBuildResponse' });

export const logLineSchema = z.object({
  seq: z.number().int(),
  ts: z.string(),
  level: z.string(),
  step: z.string().nullable(),
  message: z.string(),
});

export const buildStatusResponseSchema = z
  .object({
    buildId: z.string(),
    name: z.string(),
    status: buildStatusSchema,
    step: z.string().nullable(),
    progress: z.number().int().min(0).max(100),
    base: z.string().nullable(),
    buildKey: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    warnings: z.array(z.string()),
    attempts: z.number().int(),
    cancelRequested: z.boolean(),
    createdAt: z.string(),
    queuedAt: isoTime,
    startedAt: isoTime,
    finishedAt: isoTime,
    durationMs: z.number().int().nullable(),
    timings: z.record(z.string(), z.number()).describe('Milliseconds per step'),
    logs: z.object({
      lines: z.array(logLineSchema),
      lastSeq: z.number().int().describe('Pass as logsAfter to read on'),
    }),
    artifacts: z.array(artifactSchema),
  })
  .meta({ id: 'BuildStatus' });

export const logsQuerySchema = z.object({
  logsAfter: z.coerce.number().int().min(0).optional().describe('Return log lines with seq > logsAfter'),
  logsLimit: z.coerce
    .number()
    .int()
    .min(0)
    .max(5000)
    .optional()
    .describe('At most this many lines (default 200)'),
});

export const buildSummarySchema = z.object({
  buildId: z.string(),
  name: z.string(),
  status: buildStatusSchema,
  step: z.string().nullable(),
  progress: z.number().int(),
  base: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: isoTime,
  statusUrl: z.string(),
});

export const listBuildsQuerySchema = z.object({
  status: buildStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

export const listBuildsResponseSchema = z
  .object({ items: z.array(buildSummarySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'BuildList' });

export const artifactListResponseSchema = z
  .object({ buildId: z.string(), status: buildStatusSchema, artifacts: z.array(artifactSchema) })
  .meta({ id: 'ArtifactList' });

export const cancelResponseSchema = z.object({
  buildId: z.string(),
  status: buildStatusSchema,
  cancelRequested: z.boolean().describe('True while a running build is being stopped by its worker'),
});

export const validateBodySchema = z
  .record(z.string(), z.unknown())
  .describe('A BuildSpec; unknown fields are errors');

export const validateResponseSchema = z
  .object({
    valid: z.boolean(),
    errors: z.array(issueSchema),
    warnings: z.array(issueSchema),
    planHash: z.string().nullable(),
    buildKey: z.string().nullable(),
  })
  .meta({ id: 'ValidationReport' });
