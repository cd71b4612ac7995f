import { z } from 'zod';
import { SCOPES } from '../../../auth/scopes.js';
import { MEMBER_ROLES, ORGANIZATION_TIERS } from '../../../store/index.js';

const isoTime = z.string().nullable().describe('ISO 8601 UTC timestamp');
const objectId = z.string().regex(/^[a-z0-9]{8,40}$/, 'must be an id (8-40 lowercase letters and digits)');

export const scopeSchema = z.enum(SCOPES);
export const roleSchema = z.enum(MEMBER_ROLES);
export const tierSchema = z.enum(ORGANIZATION_TIERS);

export const idParamsSchema = z.object({ id: objectId });
export const orgParamsSchema = z.object({ orgId: objectId });
export const memberParamsSchema = z.object({ orgId: objectId, memberId: objectId });

export const organizationQuerySchema = z
  .object({
    organizationId: objectId
      .optional()
      .describe('ADMIN_API_KEY only: act on this organization (default: the key’s own)'),
  })
  .strict();

export const apiKeyViewSchema = z
  .object({
    id: z.string(),
    organizationId: z.string(),
    name: z.string(),
    prefix: z.string().describe('First 12 characters of the key, to tell keys apart'),
    scopes: z.array(z.string()),
    role: roleSchema,
    memberId: z.string().nullable(),
    rateLimit: z.number().int().describe('Requests per minute'),
    buildQuota: z.number().int().nullable().describe('Builds per calendar month (UTC); null = unlimited'),
    tier: tierSchema,
    isActive: z.boolean(),
    expiresAt: isoTime,
    lastUsedAt: isoTime.describe('Updated at most once a minute'),
    totalBuilds: z.number().int(),
    createdAt: z.string(),
    revokedAt: isoTime,
  })
  .meta({ id: 'ApiKey' });

export const createKeyBodySchema = z
  .object({
    name: z.string().min(1).max(100),
    organizationId: objectId.optional().describe('ADMIN_API_KEY only; default: the caller’s organization'),
    scopes: z
      .array(scopeSchema)
      .min(1)
      .optional()
      .describe('Default build:create, build:read, build:cancel; never more than the caller holds'),
    role: roleSchema.optional().describe('Role the key acts with (default member); never above the caller’s'),
    memberId: objectId.optional().describe('The member the key is issued to'),
    rateLimit: z.number().int().min(1).max(100_000).optional().describe('Requests per minute (default 100)'),
    buildQuota: z.number().int().min(0).nullable().optional().describe('Builds per month; null = unlimited'),
    tier: tierSchema.optional().describe('ADMIN_API_KEY only; default the organization’s tier'),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe('When the key stops working'),
  })
  .strict();

export const keyWithSecretSchema = z
  .object({
    key: apiKeyViewSchema,
    apiKey: z.string().describe('The full key (lb_live_…): shown this once, only its sha256 is stored'),
  })
  .meta({ id: 'ApiKeyWithSecret' });

export const keyListSchema = z.object({ keys: z.array(apiKeyViewSchema) });

export const keyUsageSchema = z.object({
  keyId: z.string(),
  totalBuilds: z.number().int(),
  lastUsedAt: isoTime,
  builds: z.record(z.string(), z.number().int()).describe('Builds submitted with this key, by status'),
  buildsThisMonth: z.number().int(),
  buildQuota: z.number().int().nullable(),
  monthStartsAt: z.string(),
});

export const organizationViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    tier: tierSchema,
    buildQuota: z.number().int().nullable(),
    storageQuotaBytes: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'Organization' });

export const createOrganizationBodySchema = z
  .object({
    name: z.string().min(1).max(200),
    slug: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'lowercase letters, digits and inner dashes, ≤ 64'),
    tier: tierSchema.optional(),
    buildQuota: z.number().int().min(0).nullable().optional(),
    storageQuotaBytes: z.number().int().min(0).optional().describe('Default 10 GiB'),
    ownerEmail: z.email().optional().describe('Added as the first owner'),
  })
  .strict();

export const updateOrganizationBodySchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    tier: tierSchema.optional(),
    buildQuota: z.number().int().min(0).nullable().optional(),
    storageQuotaBytes: z.number().int().min(0).optional(),
  })
  .strict();

export const organizationListSchema = z.object({ organizations: z.array(organizationViewSchema) });

export const memberViewSchema = z
  .object({
    id: z.string(),
    organizationId: z.string(),
    email: z.string(),
    role: roleSchema,
    createdAt: z.string(),
  })
  .meta({ id: 'Member' });

export const addMemberBodySchema = z.object({ email: z.email(), role: roleSchema }).strict();
export const changeRoleBodySchema = z.object({ role: roleSchema }).strict();
export const memberListSchema = z.object({ members: z.array(memberViewSchema) });
