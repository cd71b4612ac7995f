import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SubmitInput } from '../../../builds/build.service.js';
import { isTerminalBuildStatus } from '../../../store/index.js';
import { clientGone } from '../../http/client-gone.js';
import { matchesEntityTag } from '../../http/entity-tag.js';
import { requirePrincipal } from '../../plugins/auth.plugin.js';
import { buildIdParamsSchema } from '../../schemas/build-id.schema.js';
import { COMMON_ERRORS, errorResponses } from '../../schemas/error.schema.js';
import type { AppDeps } from '../../app.types.js';
import {
  artifactListResponseSchema,
  buildStatusResponseSchema,
  cancelResponseSchema,
  forceQuerySchema,
  listBuildsQuerySchema,
  listBuildsResponseSchema,
  logsQuerySchema,
  startBuildBodySchema,
  startBuildResponseSchema,
  validateBodySchema,
  validateResponseSchema,
} from './build.schemas.js';
import { eventsUrl, statusUrl, toArtifactView, toStatusView, toSummaryView } from './build.views.js';
import { StatusResponseCache } from './status-response.cache.js';
import { sendJsonText, viewSerializerCompiler } from './view.serializer.js';

const DEFAULT_LOGS_LIMIT = 200;

/**
 * Build routes under /api: start, validate, status, artifacts, cancel, list. Every handler is
 * tenant-scoped through `request.principal` and answers another tenant's build with 404.
 */
export const buildsRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = (app, { deps }) => {
  const service = deps.buildService;
  const statusCache = new StatusResponseCache({
    ttlMs: deps.config.STATUS_CACHE_SECONDS * 1000,
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
  });
  // Any event of a build this process sees (log, step, status, completion, cancel — local or relayed from
  // another process through Redis) drops its cached status.
  const stopInvalidating = deps.events.observe((event) => {
    statusCache.invalidate(event.tenantId, event.buildId);
  });
  app.addHook('onClose', (_instance, done) => {
    stopInvalidating();
    done();
  });

  const startSchema = {
    tags: ['builds'],
    summary: 'Start a build',
    description:
      'Validates and plans the spec, then queues a build (202). When a build of the same spec (same build key: sha256 of the plan hash and the engine version) already succeeded for this tenant, returns it with 200 unless `force` is set. `{prompt}` asks the configured LLM for the spec.',
    body: startBuildBodySchema,
    querystring: forceQuerySchema,
    response: {
      200: startBuildResponseSchema,
      202: startBuildResponseSchema,
      ...errorResponses(...COMMON_ERRORS, 413, 415, 422, 501, 502, 503, 504),
    },
  };

  for (const url of ['/api/build/start', '/api/build']) {
    app.post(url, { schema: startSchema }, async (request, reply) => {
      const principal = requirePrincipal(request);
      const { force: bodyForce, prompt, ...rest } = request.body;
      const force = bodyForce === true || request.query.force === 'true' || request.query.force === '1';
      // `{prompt}` alone asks the LLM; a prompt mixed with spec fields is validated as a spec (and rejected).
      const input: SubmitInput =
        prompt !== undefined && Object.keys(rest).length === 0
          ? { prompt }
          : { spec: { ...rest, ...(prompt === undefined ? {} : { prompt }) } };
      const { build, spec, reused, warnings } = await service.submit(principal, input, {
        force,
        signal: clientGone(reply),
      });
      request.log.info({ buildId: build.id, tenantId: principal.tenantId, reused }, 'build submitted');
      return reply.code(reused ? 200 : 202).send({
        buildId: build.id,
        status: build.status,
        reused,
        spec: { ...spec },
        warnings: [...warnings],
        statusUrl: statusUrl(build.id),
        eventsUrl: eventsUrl(build.id),
      });
    });
  }

  app.post(
    '/api/build/validate',
    {
      schema: {
        tags: ['builds'],
        summary: 'Validate a spec without building',
        description:
          'Every error and warning with its JSON path, and the plan hash and build key when valid.',
        body: validateBodySchema,
        response: { 200: validateResponseSchema, ...errorResponses(...COMMON_ERRORS, 413, 415) },
      },
    },
    (request) => {
      requirePrincipal(request);
      const report = service.validate(request.body);
      return Promise.resolve({
        valid: report.valid,
        errors: [...report.errors],
        warnings: [...report.warnings],
        planHash: report.planHash,
        buildKey: report.buildKey,
      });
    },
  );

  app.get(
    '/api/build/status/:id',
    {
      serializerCompiler: viewSerializerCompiler,
      schema: {
        tags: ['builds'],
        summary: 'Build status, step, progress, timings, a page of logs and the artifacts',
        description:
          'Answers with an `ETag`; a poll with `If-None-Match` gets 304 while nothing changed. The response of a finished build may be served from a cache for up to STATUS_CACHE_SECONDS (an artifact expiring shows that much later); a running build’s for up to 1 s (dropped as soon as this server sees an event of the build).',
        params: buildIdParamsSchema,
        querystring: logsQuerySchema,
        response: {
          200: buildStatusResponseSchema,
          304: z.null().describe('Not modified (ETag matched)'),
          ...errorResponses(...COMMON_ERRORS, 404),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const afterSeq = request.query.logsAfter ?? 0;
      const limit = request.query.logsLimit ?? DEFAULT_LOGS_LIMIT;
      const key = StatusResponseCache.key(principal.tenantId, request.params.id, afterSeq, limit);
      let response = statusCache.get(key);
      if (response === undefined) {
        const { build, logs, artifacts } = await service.details(principal, request.params.id, {
          afterSeq,
          limit: Math.max(1, limit),
        });
        const page = limit === 0 ? { lines: [], lastSeq: afterSeq } : logs;
        const body = JSON.stringify(toStatusView(build, page, artifacts));
        response = statusCache.remember(key, body, isTerminalBuildStatus(build.status));
      }
      void reply.header('etag', response.etag).header('cache-control', 'private, no-cache');
      if (matchesEntityTag(request.headers['if-none-match'], response.etag)) {
        return reply.code(304).send(null);
      }
      return sendJsonText(reply, response.bytes);
    },
  );

  app.get(
    '/api/build/artifact/:id',
    {
      serializerCompiler: viewSerializerCompiler,
      schema: {
        tags: ['artifacts'],
        summary: 'Artifacts of a build with sizes, checksums and download URLs',
        params: buildIdParamsSchema,
        response: { 200: artifactListResponseSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const build = await service.get(principal, request.params.id);
      const artifacts = await service.artifacts(principal, build.id);
      return { buildId: build.id, status: build.status, artifacts: artifacts.map(toArtifactView) };
    },
  );

  app.post(
    '/api/build/:id/cancel',
    {
      schema: {
        tags: ['builds'],
        summary: 'Cancel a build',
        description:
          'A queued build is cancelled at once (200); a running one is stopped by its worker (202, `cancelRequested`). A finished build answers 409.',
        params: buildIdParamsSchema,
        response: {
          200: cancelResponseSchema,
          202: cancelResponseSchema,
          ...errorResponses(...COMMON_ERRORS, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const { outcome, build } = await service.cancel(principal, request.params.id);
      return reply.code(outcome === 'cancel-requested' ? 202 : 200).send({
        buildId: build.id,
        status: build.status,
        cancelRequested: outcome === 'cancel-requested',
      });
    },
  );

  app.get(
    '/api/builds',
    {
      serializerCompiler: viewSerializerCompiler,
      schema: {
        tags: ['builds'],
        summary: "The caller's builds, newest first (cursor pagination)",
        querystring: listBuildsQuerySchema,
        response: { 200: listBuildsResponseSchema, ...errorResponses(...COMMON_ERRORS) },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const page = await service.list(principal, request.query);
      return { items: page.items.map(toSummaryView), nextCursor: page.nextCursor ?? null };
    },
  );

  return Promise.resolve();
};
