import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OrganizationService } from '../../../auth/organization.service.js';
import type { Principal } from '../../../builds/principal.js';
import { LbeError } from '../../../errors/index.js';
import type { AppDeps } from '../../app.types.js';
import { assertRole, isOperator, requireOperator, requireRole, roleOf } from '../../plugins/authorize.js';
import { COMMON_ERRORS, errorResponses } from '../../schemas/error.schema.js';
import { targetOrganization } from './admin-scope.js';
import {
  addMemberBodySchema,
  changeRoleBodySchema,
  createOrganizationBodySchema,
  memberListSchema,
  memberParamsSchema,
  memberViewSchema,
  organizationListSchema,
  organizationViewSchema,
  orgParamsSchema,
  updateOrganizationBodySchema,
} from './admin.schemas.js';
import { toMemberResponse, toOrganizationResponse } from './admin.views.js';

/** Owners alone may make or unmake owners; admins manage admins and members. */
function assertMayGrant(principal: Principal, role: 'owner' | 'admin' | 'member'): void {
  if (role === 'owner' && roleOf(principal) !== 'owner') {
    throw new LbeError('LBE_AUTH_FORBIDDEN', 'Only an owner can grant or take away the owner role');
  }
}

/**
 * Organizations and members under /api/admin/organizations. Creating organizations, listing all of them
 * and changing a tier or quota need ADMIN_API_KEY (the operator); members are managed by the
 * organization's admins and owners (`org:write`), read with `org:read`. Another organization answers 404.
 */
export const adminOrganizationsRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = (app, { deps }) => {
  const orgs = new OrganizationService(deps.store);
  const tags = ['admin'];

  app.post(
    '/api/admin/organizations',
    {
      config: { scope: 'org:write' },
      preHandler: requireOperator(),
      schema: {
        tags,
        summary: 'Create an organization (ADMIN_API_KEY)',
        body: createOrganizationBodySchema,
        response: { 201: organizationViewSchema, ...errorResponses(...COMMON_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const { ownerEmail, ...input } = request.body;
      const org = await orgs.create(input, ownerEmail);
      request.log.info({ tenantId: org.id, slug: org.slug }, 'organization created');
      return reply.code(201).send(toOrganizationResponse(org));
    },
  );

  app.get(
    '/api/admin/organizations',
    {
      config: { scope: 'org:read' },
      schema: {
        tags,
        summary: 'Organizations: all of them for ADMIN_API_KEY, else the caller’s own',
        response: { 200: organizationListSchema, ...errorResponses(...COMMON_ERRORS) },
      },
    },
    async (request) => {
      const principal = assertRole(request, 'member');
      const list = isOperator(principal) ? await orgs.list() : [await orgs.get(principal.tenantId)];
      return { organizations: list.map(toOrganizationResponse) };
    },
  );

  app.get(
    '/api/admin/organizations/:orgId',
    {
      config: { scope: 'org:read' },
      schema: {
        tags,
        summary: 'One organization',
        params: orgParamsSchema,
        response: { 200: organizationViewSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => {
      const principal = assertRole(request, 'member');
      return toOrganizationResponse(await orgs.get(targetOrganization(principal, request.params.orgId)));
    },
  );

  app.patch(
    '/api/admin/organizations/:orgId',
    {
      config: { scope: 'org:write' },
      preHandler: requireOperator(),
      schema: {
        tags,
        summary: 'Change an organization’s name, tier or quotas (ADMIN_API_KEY)',
        params: orgParamsSchema,
        body: updateOrganizationBodySchema,
        response: { 200: organizationViewSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => toOrganizationResponse(await orgs.update(request.params.orgId, request.body)),
  );

  app.get(
    '/api/admin/organizations/:orgId/members',
    {
      config: { scope: 'org:read' },
      schema: {
        tags,
        summary: 'Members of an organization',
        params: orgParamsSchema,
        response: { 200: memberListSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) => {
      const principal = assertRole(request, 'member');
      const members = await orgs.listMembers(targetOrganization(principal, request.params.orgId));
      return { members: members.map(toMemberResponse) };
    },
  );

  app.post(
    '/api/admin/organizations/:orgId/members',
    {
      config: { scope: 'org:write' },
      preHandler: requireRole('admin'),
      schema: {
        tags,
        summary: 'Add a member (admins add admins and members; owners also owners)',
        params: orgParamsSchema,
        body: addMemberBodySchema,
        response: { 201: memberViewSchema, ...errorResponses(...COMMON_ERRORS, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = assertRole(request, 'admin');
      const org = targetOrganization(principal, request.params.orgId);
      assertMayGrant(principal, request.body.role);
      const member = await orgs.addMember(org, request.body.email, request.body.role);
      return reply.code(201).send(toMemberResponse(member));
    },
  );

  app.patch(
    '/api/admin/organizations/:orgId/members/:memberId',
    {
      config: { scope: 'org:write' },
      preHandler: requireRole('admin'),
      schema: {
        tags,
        summary: 'Change a member’s role (the last owner stays owner)',
        params: memberParamsSchema,
        body: changeRoleBodySchema,
        response: { 200: memberViewSchema, ...errorResponses(...COMMON_ERRORS, 404, 409) },
      },
    },
    async (request) => {
      const principal = assertRole(request, 'admin');
      const org = targetOrganization(principal, request.params.orgId);
      const current = await orgs.getMember(org, request.params.memberId);
      assertMayGrant(principal, current.role);
      assertMayGrant(principal, request.body.role);
      return toMemberResponse(await orgs.changeRole(org, current.id, request.body.role));
    },
  );

  app.delete(
    '/api/admin/organizations/:orgId/members/:memberId',
    {
      config: { scope: 'org:write' },
      preHandler: requireRole('admin'),
      schema: {
        tags,
        summary: 'Remove a member (the last owner cannot be removed)',
        params: memberParamsSchema,
        response: { 204: z.null().describe('Removed'), ...errorResponses(...COMMON_ERRORS, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = assertRole(request, 'admin');
      const org = targetOrganization(principal, request.params.orgId);
      const current = await orgs.getMember(org, request.params.memberId);
      assertMayGrant(principal, current.role);
      await orgs.removeMember(org, current.id);
      return reply.code(204).send(null);
    },
  );

  return Promise.resolve();
};
