import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { DEFAULT_KEY_RATE_LIMIT } from '../../auth/tier-limits.js';
import { LbeError } from '../../errors/index.js';

export interface RateLimitPluginOptions {
  /**
   * Counters live in Redis (shared by every API replica) when set, else in this process's memory. The
   * connection is the caller's: it closes it.
   */
  readonly redis?: Redis | undefined;
  /** Requests per minute per address on routes answered without a key (web UI, docs); default 120. */
  readonly perIpPerMinute?: number;
  /** Requests per minute of a stored key that sets no rate limit of its own; default 100. */
  readonly defaultKeyPerMinute?: number;
  /** Redis key prefix (tests give each run its own); default `lbe-rate-limit:`. */
  readonly nameSpace?: string;
}

/** Probes and scrapes must never be throttled. */
const EXEMPT_PREFIXES = ['/health', '/metrics'] as const;

const WINDOW_MS = 60_000;

/**
 * `lbe-rate-limit` (registered after `lbe-auth`, before the routes): fixed one-minute windows.
 * - a stored API key is counted by key id and allowed its own `rateLimit` per minute;
 * - a request without a principal (public routes) is counted by client address (`TRUST_PROXY` decides
 *   which address that is) and allowed `perIpPerMinute`;
 * - /health and /metrics, and the operator's keys (ADMIN_API_KEY, API_KEYS, embedded anonymous mode),
 *   are not limited.
 * Past the limit: 429 LBE_RATE_LIMITED with `retry-after` (seconds) and `x-ratelimit-limit`,
 * `x-ratelimit-remaining`, `x-ratelimit-reset` (also sent on every counted response).
 * Requests that fail authentication never reach this hook (they are answered 401 first; `lbe-auth` limits
 * them per address, AUTH_FAILURES_PER_MINUTE).
 */
export const rateLimitPlugin = fp<RateLimitPluginOptions>(
  async (app, options) => {
    const perIp = options.perIpPerMinute ?? 120;
    const perKey = options.defaultKeyPerMinute ?? DEFAULT_KEY_RATE_LIMIT;
    const { redis } = options;
    const isExempt = (request: FastifyRequest): boolean => {
      const principal = request.principal;
      if (principal !== null && principal.apiKeyId === undefined) return true;
      const url = request.routeOptions.url ?? request.url;
      return EXEMPT_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`));
    };
    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      timeWindow: WINDOW_MS,
      ...(redis === undefined ? {} : { redis, nameSpace: options.nameSpace ?? 'lbe-rate-limit:' }),
      keyGenerator: (request) => {
        const keyId = request.principal?.apiKeyId;
        return keyId === undefined ? `ip:${request.ip}` : `key:${keyId}`;
      },
      allowList: (request) => isExempt(request),
      max: (request) => {
        const principal = request.principal;
        if (principal?.apiKeyId !== undefined) return principal.rateLimit ?? perKey;
        return perIp;
      },
      errorResponseBuilder: (_request, context) =>
        new LbeError(
          'LBE_RATE_LIMITED',
          `Too many requests: the limit is ${String(context.max)} per minute; retry in ${context.after}`,
          { details: { limit: context.max, retryAfterMs: context.ttl } },
        ),
    });
  },
  { name: 'lbe-rate-limit', fastify: '5.x', dependencies: ['lbe-auth'] },
);
