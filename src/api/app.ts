import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Redis } from 'ioredis';
import type { AppDeps } from './app.types.js';
import {
  MemoryAuthFailureLimiter,
  RedisAuthFailureLimiter,
  type AuthFailureLimiter,
} from './plugins/auth-failure.limiter.js';
import { authPlugin } from './plugins/auth.plugin.js';
import { errorsPlugin, handleFrameworkError } from './plugins/errors.plugin.js';
import { observabilityPlugin } from './plugins/observability.plugin.js';
import { openapiPlugin } from './plugins/openapi.plugin.js';
import { rateLimitPlugin } from './plugins/rate-limit.plugin.js';
import { generateRequestId, requestIdPlugin } from './plugins/request-id.plugin.js';
import { securityPlugin } from './plugins/security.plugin.js';
import { adminKeysRoutes } from './routes/admin/keys.routes.js';
import { adminOrganizationsRoutes } from './routes/admin/organizations.routes.js';
import { buildsRoutes } from './routes/builds/builds.routes.js';
import { downloadsRoutes } from './routes/downloads/downloads.routes.js';
import { eventsRoutes } from './routes/events/events.routes.js';
import { healthRoutes } from './routes/health/health.routes.js';
import { metricsRoutes } from './routes/metrics/metrics.routes.js';
import { presetsRoutes } from './routes/presets/presets.routes.js';
import { webRoutes } from './routes/web/web.routes.js';

export type LbeApp = FastifyInstance & { readonly lbe: { markShuttingDown(): void } };

/** Route folders keep their encapsulation but get a name in the plugin tree. */
const named = (name: string) => ({ name, fastify: '5.x', encapsulate: true }) as const;

/**
 * Builds the HTTP app from injected dependencies; does not listen (call `listen`, or `inject` in tests).
 * The caller owns the deps: `app.close()` closes HTTP and WebSocket connections only.
 * Order matters: error handling, request ids and auth are registered before routes so every route, the
 * 404 handler and the OpenAPI document see them.
 */
export async function buildApp(deps: AppDeps): Promise<LbeApp> {
  let shuttingDown = false;
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: generateRequestId,
    requestIdHeader: false,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: deps.config.TRUST_PROXY,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: handleFrameworkError,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: any other body type answers 415 LBE_API_UNSUPPORTED_MEDIA_TYPE.
  app.removeContentTypeParser('text/plain');

  await app.register(errorsPlugin);
  await app.register(requestIdPlugin);
  await app.register(securityPlugin, { corsOrigins: deps.config.CORS_ORIGINS });
  // One connection for the request limits and the failed-authentication counters, when REDIS_URL is set.
  const limitsRedis = openLimitsRedis(deps.config.REDIS_URL);
  if (limitsRedis !== undefined) app.addHook('onClose', () => quitRedis(limitsRedis));
  const { authFailuresPerMinute, ...requestLimits } = deps.rateLimit ?? {};
  const maxAuthFailures = authFailuresPerMinute ?? deps.config.AUTH_FAILURES_PER_MINUTE;
  await app.register(authPlugin, {
    authenticator: deps.authenticator,
    publicPrefixes: ['/docs'],
    ...(maxAuthFailures > 0
      ? { failureLimiter: authFailureLimiter(deps, limitsRedis, maxAuthFailures) }
      : {}),
  });
  await app.register(rateLimitPlugin, { redis: limitsRedis, ...requestLimits });
  await app.register(observabilityPlugin, { metrics: deps.metrics });
  await app.register(openapiPlugin, { version: deps.engineVersion });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  await app.register(fp(healthRoutes, named('lbe-routes-health')), {
    deps,
    isShuttingDown: () => shuttingDown,
  });
  await app.register(fp(metricsRoutes, named('lbe-routes-metrics')), { deps });
  await app.register(fp(buildsRoutes, named('lbe-routes-builds')), { deps });
  await app.register(fp(downloadsRoutes, named('lbe-routes-downloads')), { deps });
  await app.register(fp(eventsRoutes, named('lbe-routes-events')), { deps });
  await app.register(fp(presetsRoutes, named('lbe-routes-presets')), {});
  await app.register(fp(adminKeysRoutes, named('lbe-routes-admin-keys')), { deps });
  await app.register(fp(adminOrganizationsRoutes, named('lbe-routes-admin-organizations')), { deps });
  await app.register(fp(webRoutes, named('lbe-routes-web')), {});
  for (const plugin of deps.extraRoutes ?? []) await app.register(plugin);

  return Object.assign(app as unknown as FastifyInstance, {
    lbe: {
      markShuttingDown() {
        shuttingDown = true;
      },
    },
  });
}

function openLimitsRedis(redisUrl: string | undefined): Redis | undefined {
  return redisUrl === undefined
    ? undefined
    : new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
}

async function quitRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => {
    redis.disconnect();
  });
}

/**
 * Failed-authentication counters: in Redis when there is a connection (shared by every replica; keys
 * prefixed with the rate limits' namespace when one is given), else in this process's memory.
 */
function authFailureLimiter(
  deps: AppDeps,
  redis: Redis | undefined,
  maxFailuresPerMinute: number,
): AuthFailureLimiter {
  if (redis === undefined) return new MemoryAuthFailureLimiter({ maxFailuresPerMinute });
  const nameSpace = deps.rateLimit?.nameSpace;
  return new RedisAuthFailureLimiter(redis, {
    maxFailuresPerMinute,
    logger: deps.logger,
    ...(nameSpace === undefined ? {} : { keyPrefix: `${nameSpace}auth-fail:` }),
  });
}
