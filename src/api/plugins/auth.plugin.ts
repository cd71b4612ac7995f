import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Scope } from '../../auth/scopes.js';
import type { Principal } from '../../builds/principal.js';
import { LbeError } from '../../errors/index.js';
import type { AuthFailureLimiter } from './auth-failure.limiter.js';
import { assertScope, routeScopes } from './authorize.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `lbe-auth` for every non-public route; null only on public routes. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Skip authentication (health, metrics, docs). */
    public?: boolean;
    /** Also accept the key as `?apiKey=` (WebSocket and SSE, where browsers cannot set headers). */
    queryKey?: boolean;
    /** Scopes the key must hold (checked right after authentication; 403 LBE_AUTH_FORBIDDEN). */
    scope?: Scope | readonly Scope[];
  }
}

/**
 * The replaceable key check. Contract: `authenticate` resolves the principal for a raw key, or undefined
 * when the key is unknown, revoked or expired — it never throws for a bad key; `anonymous` is the
 * principal of a request without any key, or undefined when keys are required.
 * The server uses `StoredKeyAuthenticator` (src/auth): ADMIN_API_KEY, API_KEYS and stored keys.
 */
export interface KeyAuthenticator {
  authenticate(rawKey: string): Promise<Principal | undefined>;
  anonymous(): Principal | undefined;
}

/** All scopes an env key or the anonymous embedded user has (`admin:*` grants every scope). */
export const FULL_SCOPES: readonly string[] = ['admin:*'];

/**
 * API_KEYS from the environment: every key belongs to `tenantId` (the default organization). Keys are
 * compared as sha256 digests with `timingSafeEqual`, over every configured key without early exit.
 * When `keys` is empty and anonymous access is allowed (not production), requests without a key act as
 * the default organization (embedded single-user mode).
 */
export class EnvKeyAuthenticator implements KeyAuthenticator {
  private readonly digests: readonly Buffer[];

  constructor(
    keys: readonly string[],
    private readonly tenantId: string,
    private readonly allowAnonymous: boolean,
  ) {
    this.digests = keys.map(digest);
  }

  authenticate(rawKey: string): Promise<Principal | undefined> {
    const candidate = digest(rawKey);
    let match = false;
    for (const d of this.digests) match = timingSafeEqual(d, candidate) || match;
    return Promise.resolve(
      match ? { tenantId: this.tenantId, scopes: FULL_SCOPES, method: 'env-key' } : undefined,
    );
  }

  anonymous(): Principal | undefined {
    return this.allowAnonymous && this.digests.length === 0
      ? { tenantId: this.tenantId, scopes: FULL_SCOPES, method: 'anonymous' }
      : undefined;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The raw key of a request: `Authorization: Bearer`, `X-API-Key`, or `?apiKey=` where the route allows it. */
export function extractApiKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m?.[1] !== undefined) return m[1];
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  if (request.routeOptions.config.queryKey === true) {
    const query = request.query as Record<string, unknown> | undefined;
    const value = query?.apiKey;
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** The principal of an authenticated request; throws LBE_AUTH_MISSING on a public route. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (request.principal === null) throw new LbeError('LBE_AUTH_MISSING');
  return request.principal;
}

export interface AuthPluginOptions {
  readonly authenticator: KeyAuthenticator;
  /** Route prefixes answered without authentication (e.g. the Swagger UI's `/docs`). */
  readonly publicPrefixes?: readonly string[];
  /** Counts failed key checks per client address; without one, failures are not limited. */
  readonly failureLimiter?: AuthFailureLimiter;
}

/**
 * `lbe-auth`: decorates `request.principal` and authenticates every route not marked `config.public`
 * (or under one of `publicPrefixes`, e.g. the Swagger UI's `/docs`)
 * (unknown routes answer 404 without authentication). Failures answer 401 LBE_AUTH_MISSING /
 * LBE_AUTH_INVALID and log `auth failure` with the reason and address, never the key. Then the route's
 * scopes (`config.scope` or `ROUTE_SCOPES`) are checked: 403 LBE_AUTH_FORBIDDEN when one is missing.
 * With a `failureLimiter`, every rejected key (unknown, revoked, expired) counts against the client
 * address (`request.ip`: `TRUST_PROXY` decides which address that is); an address past its limit is
 * answered 429 LBE_RATE_LIMITED with `retry-after` (whole seconds) before its key is looked at — a valid
 * key included, since a key guessed right during a lockout must not be confirmed. Requests without a key
 * are not counted: they guess nothing.
 */
export const authPlugin = fp<AuthPluginOptions>(
  (app, options, done) => {
    const limiter = options.failureLimiter;
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request, reply) => {
      if (request.is404 || request.routeOptions.config.public === true) return;
      const route = request.routeOptions.url ?? '';
      if ((options.publicPrefixes ?? []).some((p) => route === p || route.startsWith(`${p}/`))) return;
      const key = extractApiKey(request);
      if (key === undefined) {
        const anonymous = options.authenticator.anonymous();
        if (anonymous !== undefined) {
          request.principal = anonymous;
          assertScope(request, ...routeScopes(request));
          return;
        }
        request.log.warn({ reason: 'missing', ip: request.ip }, 'auth failure');
        throw new LbeError('LBE_AUTH_MISSING');
      }
      const retryAfterMs = (await limiter?.blockedForMs(request.ip)) ?? 0;
      if (retryAfterMs > 0) {
        const retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
        request.log.warn({ reason: 'locked-out', ip: request.ip }, 'auth failure');
        void reply.header('retry-after', String(retryAfterSeconds));
        throw new LbeError(
          'LBE_RATE_LIMITED',
          `Too many failed authentications from this address; retry in ${String(retryAfterSeconds)} s`,
          { details: { retryAfterMs } },
        );
      }
      const principal = await options.authenticator.authenticate(key);
      if (principal === undefined) {
        await limiter?.recordFailure(request.ip);
        request.log.warn({ reason: 'invalid', ip: request.ip }, 'auth failure');
        throw new LbeError('LBE_AUTH_INVALID');
      }
      request.principal = principal;
      assertScope(request, ...routeScopes(request));
    });
    done();
  },
  { name: 'lbe-auth', fastify: '5.x' },
);
