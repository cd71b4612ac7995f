import type { Logger } from 'pino';
import type { Principal } from '../builds/principal.js';
import { LbeError } from '../errors/index.js';
import type { Build, OrganizationTier, Store } from '../store/index.js';
import { monthStart, nextMonthStart } from './key.service.js';
import { isRoleAtLeast } from './roles.js';
import { TIER_CONCURRENT_BUILDS, TIER_QUEUE_PRIORITY } from './tier-limits.js';

/** How long a build that must wait for a free slot of its organization stays in the queue before a new look. */
export const TIER_SLOT_RETRY_MS = 2000;

/**
 * Who may build how much: monthly quotas and storage quota at submit time, queue priority by tier,
 * per-organization concurrency at start time, and who may cancel whose build. Contracts:
 * - `admit` throws LBE_QUOTA_EXCEEDED (429) when the key's or the organization's monthly build quota is
 *   used up (counting builds created since the first of the month, UTC) and LBE_QUOTA_STORAGE_EXCEEDED when
 *   the organization's artifacts fill its storage quota; it returns the queue priority (lower runs first).
 *   Two submissions racing for the last build of a quota may both pass (checked, not reserved).
 * - `waitBeforeStart` returns a delay (ms) when the organization already runs as many builds as its tier
 *   allows; the worker puts the message back for that long (the build waits, it is not rejected).
 * - `assertMayCancel`: owners and admins cancel any build of their organization; members only builds
 *   submitted with their own key or by keys issued to the same member.
 */
export class BuildPolicy {
  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now,
    private readonly logger?: Logger,
  ) {}

  async admit(principal: Principal): Promise<{ readonly priority: number }> {
    const org = await this.store.organizations.get(principal.tenantId);
    if (org === undefined) throw new LbeError('LBE_ORG_NOT_FOUND');
    const now = this.clock();
    const since = monthStart(now);
    const resetsAt = new Date(nextMonthStart(now)).toISOString();
    if (
      principal.apiKeyId !== undefined &&
      principal.buildQuota !== undefined &&
      principal.buildQuota !== null
    ) {
      const counts = await this.store.apiKeys.countBuildsByStatus(
        principal.tenantId,
        principal.apiKeyId,
        since,
      );
      const used = sum(counts);
      if (used >= principal.buildQuota) {
        throw new LbeError(
          'LBE_QUOTA_EXCEEDED',
          `The monthly build quota of this API key (${String(principal.buildQuota)}) is exhausted; it resets at ${resetsAt}`,
          { details: { scope: 'key', quota: principal.buildQuota, used, resetsAt } },
        );
      }
    }
    if (org.buildQuota !== null) {
      const used = sum(await this.store.builds.countByStatus(org.id, since));
      if (used >= org.buildQuota) {
        throw new LbeError(
          'LBE_QUOTA_EXCEEDED',
          `The monthly build quota of organization ${org.slug} (${String(org.buildQuota)}) is exhausted; it resets at ${resetsAt}`,
          { details: { scope: 'organization', quota: org.buildQuota, used, resetsAt } },
        );
      }
    }
    const bytes = await this.store.organizations.artifactBytes(org.id);
    if (bytes >= org.storageQuotaBytes) {
      throw new LbeError(
        'LBE_QUOTA_STORAGE_EXCEEDED',
        `The artifacts of organization ${org.slug} use ${String(bytes)} of ${String(org.storageQuotaBytes)} bytes; delete builds or wait for retention`,
        { details: { bytes, quota: org.storageQuotaBytes } },
      );
    }
    const tier: OrganizationTier = principal.tier ?? org.tier;
    return { priority: TIER_QUEUE_PRIORITY[tier] };
  }

  /** Counts the build on its key (`totalBuilds`). Logged, never thrown: the build is already accepted. */
  async recordSubmitted(principal: Principal, build: Build): Promise<void> {
    if (principal.apiKeyId === undefined) return;
    try {
      await this.store.apiKeys.incrementTotalBuilds(principal.tenantId, principal.apiKeyId);
    } catch (err) {
      this.logger?.warn({ err, buildId: build.id, apiKeyId: principal.apiKeyId }, 'totalBuilds not counted');
    }
  }

  async waitBeforeStart(build: Build): Promise<number | undefined> {
    const org = await this.store.organizations.get(build.organizationId);
    if (org === undefined) return undefined;
    const running = (await this.store.builds.countByStatus(org.id)).IN_PROGRESS;
    return running >= TIER_CONCURRENT_BUILDS[org.tier] ? TIER_SLOT_RETRY_MS : undefined;
  }

  async assertMayCancel(principal: Principal, build: Build): Promise<void> {
    if (principal.method !== 'db-key' || principal.apiKeyId === undefined) return;
    if (isRoleAtLeast(principal.role ?? 'member', 'admin')) return;
    if (build.apiKeyId !== null && build.apiKeyId === principal.apiKeyId) return;
    if (build.apiKeyId !== null && principal.memberId !== undefined) {
      const owner = await this.store.apiKeys.get(principal.tenantId, build.apiKeyId);
      if (owner?.memberId === principal.memberId) return;
    }
    throw new LbeError(
      'LBE_AUTH_FORBIDDEN',
      "Members may cancel only their own builds; an admin or owner may cancel others'",
    );
  }
}

function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
