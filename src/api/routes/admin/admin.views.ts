import type { ApiKeyView, KeyUsage } from '../../../auth/key.service.js';
import type { Member, Organization } from '../../../store/index.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function toKeyResponse(key: ApiKeyView) {
  return {
    id: key.id,
    organizationId: key.organizationId,
    name: key.name,
    prefix: key.prefix,
    scopes: [...key.scopes],
    role: key.role,
    memberId: key.memberId,
    rateLimit: key.rateLimit,
    buildQuota: key.buildQuota,
    tier: key.tier,
    isActive: key.isActive && key.revokedAt === null,
    expiresAt: isoOrNull(key.expiresAt),
    lastUsedAt: isoOrNull(key.lastUsedAt),
    totalBuilds: key.totalBuilds,
    createdAt: iso(key.createdAt),
    revokedAt: isoOrNull(key.revokedAt),
  };
}

export function toUsageResponse(usage: KeyUsage) {
  return {
    ...usage,
    builds: { ...usage.builds },
    lastUsedAt: isoOrNull(usage.lastUsedAt),
    monthStartsAt: iso(usage.monthStartsAt),
  };
}

export function toOrganizationResponse(org: Organization) {
  return { ...org, createdAt: iso(org.createdAt) };
}

export function toMemberResponse(member: Member) {
  return { ...member, createdAt: iso(member.createdAt) };
}
