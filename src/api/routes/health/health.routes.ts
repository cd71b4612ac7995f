import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../../app.types.js';
import { databaseCheck, queueCheck, runHealthChecks, type HealthCheck } from './health.checks.js';

const checkSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  critical: z.boolean(),
  detail: z.string(),
  durationMs: z.number(),
});
const healthSchema = z
  .object({ status: z.enum(['ok', 'degraded']), version: z.string(), checks: z.array(checkSchema) })
  .meta({ id: 'Health' });

/**
 * Public health endpoints: `/health` runs every check (database, queue, builder tools, Ollama when
 * configured) → 200 when all pass, 503 otherwise, each check listed; `/health/ready` runs the critical
 * ones (database, queue) — and answers 503 while shutting down; `/health/live` answers 200 while the
 * event loop runs. Check details never include credentials.
 */
export const healthRoutes: FastifyPluginAsyncZod<{ deps: AppDeps; isShuttingDown: () => boolean }> = (
  app,
  { deps, isShuttingDown },
) => {
  const checks: HealthCheck[] = [
    databaseCheck(deps.store),
    queueCheck(deps.queue),
    ...(deps.healthChecks ?? []),
  ];
  const common = { config: { public: true }, schema: { tags: ['health'], security: [] } } as const;

  app.get(
    '/health',
    {
      ...common,
      schema: {
        ...common.schema,
        summary: 'Every dependency check',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const results = await runHealthChecks(checks);
      const ok = results.every((r) => r.ok);
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'degraded', version: deps.engineVersion, checks: results });
    },
  );

  app.get(
    '/health/ready',
    {
      ...common,
      schema: {
        ...common.schema,
        summary: 'Readiness: database and queue',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const results = await runHealthChecks(checks.filter((c) => c.critical));
      const ok = results.every((r) => r.ok) && !isShuttingDown();
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'degraded', version: deps.engineVersion, checks: results });
    },
  );

  app.get(
    '/health/live',
    {
      ...common,
      schema: {
        ...common.schema,
        summary: 'Liveness',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    () => Promise.resolve({ status: 'ok' as const }),
  );
  return Promise.resolve();
};
