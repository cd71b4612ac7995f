import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../../app.types.js';

/**
 * `GET /metrics`: Prometheus text format. Public like /health (put it behind the network, not a key);
 * refreshes the queue-depth gauge from the queue on each scrape.
 */
export const metricsRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = (app, { deps }) => {
  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics',
        security: [],
        response: { 200: z.string().describe('Prometheus text exposition format') },
      },
    },
    async (request, reply) => {
      try {
        const counts = await deps.queue.counts();
        deps.metrics.queueDepth.set(counts.waiting + counts.delayed);
      } catch (err) {
        request.log.warn({ err }, 'queue depth not available for /metrics');
      }
      const body = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(body);
    },
  );
  return Promise.resolve();
};
