import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LbeError } from '../../../errors/index.js';
import type { AppDeps } from '../../app.types.js';
import {
  assertRole,
  hasScope,
  isOperator,
  isRoleAtLeast,
  requireRole,
  roleOf,
} from '../../plugins/authorize.js';
import { COMMON_ERRORS, errorResponses } from '../../schemas/error.schema.js';
import { targetOrganization } from './admin-scope.js';
import {
  apiKeyViewSchema,
  createKeyBodySchema,
  idParamsSchema,
  keyListSchema,
  keyUsageSchema,
  keyWithSecretSchema,
  organizationQuerySchema,
} from './admin.schemas.js';
import { toKeyResponse, toUsageResponse } from './admin.views.js';

/**
 * API key administration under /api/admin/keys, for ADMIN_API_KEY or a key with `key:*` (`admin:*`) acting
 * as an admin or owner of its organization. A caller never grants more than it holds: scopes it lacks,
 * a role above its own and a tier (operator only) answer 403. Another organization's key answers 404.
 */
export const adminKeysRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = (app, { deps }) => {
  const keys = deps.keys;
  const tags = ['admin'];
  const readConfig = { scope: 'key:read' } as const;
  const writeConfig = { scope: 'key:write' } as const;
  const adminOnly = requireRole('admin');

  app.post(
    '/api/admin/keys',
    {
      config: writeConfig,
      preHandler: adminOnly,
      schema: {
        tags,
        summary: 'Create an API key (the full key is in this response only)',
        body: createKeyBodySchema,
        response: { 201: keyWithSecretSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request, reply) => {
      const principal = assertRole(request, 'admin');
      const body = request.body;
      const organizationId = targetOrganization(principal, body.organizationId);
      if (!isOperator(principal)) {
        const beyond = (body.scopes ?? []).filter((s) => !hasScope(principal.scopes, s));
        if (beyond.length > 0) {
          throw new LbeError(
            'LBE_AUTH_FORBIDDEN',
            `A key cannot grant scopes it lacks: ${beyond.join(', ')}`,
          );
        }
        if (body.role !== undefined && !isRoleAtLeast(roleOf(principal), body.role)) {
          throw new LbeError(
            'LBE_AUTH_FORBIDDEN',
            `A key cannot grant a role above its own (${roleOf(principal)})`,
          );
        }
        if (body.tier !== undefined) {
          throw new LbeError('LBE_AUTH_FORBIDDEN', 'Only ADMIN_API_KEY sets the tier of a key');
        }
      }
      const created = await keys.create(organizationId, {
        name: body.name,
        scopes: body.scopes,
        role: body.role,
        memberId: body.memberId,
        rateLimit: body.rateLimit,
        buildQuota: body.buildQuota,
        tier: body.tier,
        expiresAt: body.expiresAt === undefined ? undefined : Date.parse(body.expiresAt),
      });
      request.log.info({ apiKeyId: created.key.id, tenantId: organizationId }, 'api key created');
      return reply.code(201).send({ key: toKeyResponse(created.key), apiKey: created.raw });
    },
  );

  app.get(
    '/api/admin/keys',
    {
      config: readConfig,
      preHandler: adminOnly,
      schema: {
        tags,
        summary: 'List the API keys of an organization (never the key or its hash)',
        querystring: organizationQuerySchema,
        response: { 200: keyListSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => {
      const principal = assertRole(request, 'admin');
      const list = await keys.list(targetOrganization(principal, request.query.organizationId));
      return { keys: list.map(toKeyResponse) };
    },
  );

  app.get(
    '/api/admin/keys/:id',
    {
      config: readConfig,
      preHandler: adminOnly,
      schema: {
        tags,
        summary: 'One API key',
        params: idParamsSchema,
        querystring: organizationQuerySchema,
        response: { 200: apiKeyViewSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => {
      const principal = assertRole(request, 'admin');
      const org = targetOrganization(principal, request.query.organizationId);
      return toKeyResponse(await keys.get(org, request.params.id));
    },
  );

  app.delete(
    '/api/admin/keys/:id',
    {
      config: writeConfig,
      preHandler: adminOnly,
      schema: {
        tags,
        summary: 'Revoke an API key (it stops working at once)',
        params: idParamsSchema,
        querystring: organizationQuerySchema,
        response: { 204: z.null().describe('Revoked'), ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request, reply) => {
      const principal = assertRole(request, 'admin');
      const org = targetOrganization(principal, request.query.organizationId);
      await keys.revoke(org, request.params.id);
      request.log.info({ apiKeyId: request.params.id, tenantId: org }, 'api key revoked');
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/admin/keys/:id/rotate',
    {
      config: writeConfig,
      preHandler: adminOnly,
      schema: {
        tags,
        summary: 'Rotate an API key: same id, scopes and usage, a new secret; the old one stops working',
        params: idParamsSchema,
        querystring: organizationQuerySchema,
        response: { 200: keyWithSecretSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => {
      const principal = assertRole(request, 'admin');
      const org = targetOrganization(principal, request.query.organizationId);
      const rotated = await keys.rotate(org, request.params.id);
      request.log.info({ apiKeyId: rotated.key.id, tenantId: org }, 'api key rotated');
      return { key: toKeyResponse(rotated.key), apiKey: rotated.raw };
    },
  );

  app.get(
    '/api/admin/keys/:id/usage',
    {
      config: readConfig,
      preHandler: adminOnly,
      schema: {
        tags,
        summary: 'Builds of an API key by status, this month and all time',
        params: idParamsSchema,
        querystring: organizationQuerySchema,
        response: { 200: keyUsageSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => {
      const principal = assertRole(request, 'admin');
      const org = targetOrganization(principal, request.query.organizationId);
      return toUsageResponse(await keys.usage(org, request.params.id));
    },
  );

  return Promise.resolve();
};
