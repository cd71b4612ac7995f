import type { FastifyReply, FastifyRequest } from 'fastify';
import { isRoleAtLeast, type MemberRole } from '../../auth/roles.js';
import { hasScope, type Scope } from '../../auth/scopes.js';
import type { Principal } from '../../builds/principal.js';
import { LbeError } from '../../errors/index.js';

export { hasScope, isRoleAtLeast, type MemberRole, type Scope };

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Scopes of the routes that do not declare `config.scope` themselves, by `METHOD url` (HEAD counts as
 * GET). A non-public route in neither place needs only a valid key.
 */
export const ROUTE_SCOPES: Readonly<Record<string, Scope>> = {
  'POST /api/build/start': 'build:create',
  'POST /api/build': 'build:create',
  'POST /api/build/generate': 'build:create',
  'POST /api/build/chat': 'build:create',
  'POST /api/build/validate': 'build:read',
  'GET /api/build/status/:id': 'build:read',
  'GET /api/build/artifact/:id': 'build:read',
  'GET /api/build/download/:id/:type': 'build:read',
  'GET /api/build/:id/events': 'build:read',
  'GET /api/build/:id/events/stream': 'build:read',
  'GET /ws': 'build:read',
  'GET /api/builds': 'build:read',
  'POST /api/build/:id/cancel': 'build:cancel',
  'GET /api/presets': 'build:read',
  'GET /api/presets/:name': 'build:read',
};

/** The scopes a route needs: its `config.scope`, else its ROUTE_SCOPES entry, else none. */
export function routeScopes(request: FastifyRequest): readonly Scope[] {
  const declared = request.routeOptions.config.scope;
  if (declared !== undefined) return typeof declared === 'string' ? [declared] : declared;
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const scope = ROUTE_SCOPES[`${method} ${request.routeOptions.url ?? ''}`];
  return scope === undefined ? [] : [scope];
}

/**
 * The role a principal acts with: env keys, ADMIN_API_KEY and the anonymous embedded user are owners;
 * a stored key acts with its own role (default member).
 */
export function roleOf(principal: Principal): MemberRole {
  if (principal.method !== 'db-key' || principal.apiKeyId === undefined) return 'owner';
  return principal.role ?? 'member';
}

/** True for ADMIN_API_KEY only: the operator, who may act on every organization. */
export function isOperator(principal: Principal): boolean {
  return principal.method === 'admin-key';
}

/**
 * The principal, checked: throws 401 LBE_AUTH_MISSING without one, 403 LBE_AUTH_FORBIDDEN unless it holds
 * every scope in `scopes` (`admin:*` and `<resource>:*` count). Use inside a handler.
 */
export function assertScope(request: FastifyRequest, ...scopes: readonly Scope[]): Principal {
  const principal = request.principal;
  if (principal === null) throw new LbeError('LBE_AUTH_MISSING');
  const missing = scopes.filter((s) => !hasScope(principal.scopes, s));
  if (missing.length > 0) {
    throw new LbeError('LBE_AUTH_FORBIDDEN', `The API key lacks the scope ${missing.join(', ')}`, {
      details: { required: missing },
    });
  }
  return principal;
}

/** Like `assertScope`, and 403 unless the principal's role is at least `role` (owner ⊃ admin ⊃ member). */
export function assertRole(request: FastifyRequest, role: MemberRole): Principal {
  const principal = request.principal;
  if (principal === null) throw new LbeError('LBE_AUTH_MISSING');
  if (!isRoleAtLeast(roleOf(principal), role)) {
    throw new LbeError('LBE_AUTH_FORBIDDEN', `This action needs the ${role} role`, {
      details: { requiredRole: role },
    });
  }
  return principal;
}

/** Route `preHandler`: `{ preHandler: requireScope('webhook:write') }`. */
export function requireScope(...scopes: readonly Scope[]): PreHandler {
  return (request) => {
    assertScope(request, ...scopes);
    return Promise.resolve();
  };
}

/** Route `preHandler`: `{ preHandler: [requireScope('webhook:write'), requireRole('admin')] }`. */
export function requireRole(role: MemberRole): PreHandler {
  return (request) => {
    assertRole(request, role);
    return Promise.resolve();
  };
}

/** Route `preHandler` for operator-only routes (ADMIN_API_KEY). */
export function requireOperator(): PreHandler {
  return (request) => {
    const principal = request.principal;
    if (principal === null) throw new LbeError('LBE_AUTH_MISSING');
    if (!isOperator(principal)) {
      throw new LbeError('LBE_AUTH_FORBIDDEN', 'This action needs ADMIN_API_KEY');
    }
    return Promise.resolve();
  };
}
