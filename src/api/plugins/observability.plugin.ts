import fp from 'fastify-plugin';
import type { LbeMetrics } from '../../observability/index.js';

/**
 * `lbe-observability`: one `request completed` log line per request (method, route, status, duration; the
 * query string is left out because it may carry `apiKey`) and the HTTP duration histogram, labelled by the
 * route pattern (never the raw URL, which would explode label cardinality).
 */
export const observabilityPlugin = fp<{ metrics: LbeMetrics }>(
  (app, options, done) => {
    app.addHook('onResponse', (request, reply, next) => {
      const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
      const seconds = reply.elapsedTime / 1000;
      options.metrics.httpRequestDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        seconds,
      );
      request.log.info(
        {
          method: request.method,
          route,
          path: pathOf(request.url),
          statusCode: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
          tenantId: request.principal?.tenantId,
        },
        'request completed',
      );
      next();
    });
    done();
  },
  { name: 'lbe-observability', fastify: '5.x', dependencies: ['lbe-auth'] },
);

/** The URL without its query string. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
