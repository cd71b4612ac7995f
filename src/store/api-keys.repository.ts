import { createId } from '@paralleldrive/cuid2';
import type { Kysely, Selectable } from 'kysely';
import { BUILD_STATUSES, type BuildStatus } from './builds.repository.js';
import type { ApiKeysTable, Database } from './database.schema.js';
import { decodeJson, encodeJson } from './json.codec.js';
import type { MemberRole } from './members.repository.js';
import type { OrganizationTier } from './organizations.repository.js';
import type { Clock } from './store.clock.js';

export interface ApiKey {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  /** The first 12 characters of the raw key, shown to people to tell keys apart. */
  readonly prefix: string;
  /** sha256 hex of the raw key; the raw key itself is never stored. */
  readonly keyHash: string;
  readonly scopes: readonly string[];
  readonly rateLimit: number;
  readonly buildQuota: number | null;
  readonly tier: OrganizationTier;
  readonly isActive: boolean;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
  readonly totalBuilds: number;
  readonly createdAt: number;
  readonly revokedAt: number | null;
  /** The role the key acts with inside its organization. */
  readonly role: MemberRole;
  /** The member the key was issued to, if any. */
  readonly memberId: string | null;
}

export interface NewApiKey {
  readonly name: string;
  readonly prefix: string;
  readonly keyHash: string;
  readonly scopes: readonly string[];
  readonly rateLimit?: number;
  readonly buildQuota?: number | null;
  readonly tier?: OrganizationTier;
  readonly expiresAt?: number | null;
  readonly role?: MemberRole;
  readonly memberId?: string | null;
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    ...row,
    scopes: decodeJson<string[]>(row.scopes, []),
    tier: row.tier as OrganizationTier,
    isActive: row.isActive === 1,
    role: row.role as MemberRole,
  };
}

/**
 * API keys. Tenant-scoped methods take `organizationId` and never return another tenant's key.
 * `findUsableByHashForAuth` and `touchLastUsedForAuth` are the only cross-tenant methods: authentication
 * runs before the tenant is known.
 */
export class ApiKeysRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Rejects a duplicate `keyHash` with the driver's unique-violation error. */
  async create(organizationId: string, input: NewApiKey): Promise<ApiKey> {
    const row = await this.db
      .insertInto('apiKeys')
      .values({
        id: createId(),
        organizationId,
        name: input.name,
        prefix: input.prefix.slice(0, 12),
        keyHash: input.keyHash,
        scopes: encodeJson(input.scopes),
        rateLimit: input.rateLimit ?? 100,
        buildQuota: input.buildQuota ?? null,
        tier: input.tier ?? 'free',
        isActive: 1,
        expiresAt: input.expiresAt ?? null,
        lastUsedAt: null,
        createdAt: this.clock(),
        revokedAt: null,
        role: input.role ?? 'member',
        memberId: input.memberId ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toApiKey(row);
  }

  async get(organizationId: string, id: string): Promise<ApiKey | undefined> {
    const row = await this.db
      .selectFrom('apiKeys')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toApiKey(row);
  }

  async list(organizationId: string): Promise<readonly ApiKey[]> {
    const rows = await this.db
      .selectFrom('apiKeys')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toApiKey);
  }

  /** Returns the key only if it is active, not revoked and not expired at the store's clock. */
  async findUsableByHashForAuth(keyHash: string): Promise<ApiKey | undefined> {
    const now = this.clock();
    const row = await this.db
      .selectFrom('apiKeys')
      .selectAll()
      .where('keyHash', '=', keyHash)
      .where('isActive', '=', 1)
      .where('revokedAt', 'is', null)
      .where((eb) => eb.or([eb('expiresAt', 'is', null), eb('expiresAt', '>', now)]))
      .executeTakeFirst();
    return row === undefined ? undefined : toApiKey(row);
  }

  async touchLastUsedForAuth(id: string): Promise<void> {
    await this.db.updateTable('apiKeys').set({ lastUsedAt: this.clock() }).where('id', '=', id).execute();
  }

  async incrementTotalBuilds(organizationId: string, id: string): Promise<void> {
    await this.db
      .updateTable('apiKeys')
      .set((eb) => ({ totalBuilds: eb('totalBuilds', '+', 1) }))
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .execute();
  }

  /**
   * Replaces the key's secret in place (same id, usage and builds): the old hash stops matching at once.
   * Returns undefined when the key does not exist in this tenant or is revoked.
   */
  async replaceSecret(
    organizationId: string,
    id: string,
    secret: { readonly prefix: string; readonly keyHash: string },
  ): Promise<ApiKey | undefined> {
    const row = await this.db
      .updateTable('apiKeys')
      .set({ prefix: secret.prefix.slice(0, 12), keyHash: secret.keyHash, lastUsedAt: null })
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .where('revokedAt', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toApiKey(row);
  }

  /** Per-status counts of the builds this key submitted at or after `since` (all time when omitted). */
  async countBuildsByStatus(
    organizationId: string,
    id: string,
    since?: number,
  ): Promise<Record<BuildStatus, number>> {
    let query = this.db
      .selectFrom('builds')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('count')])
      .where('organizationId', '=', organizationId)
      .where('apiKeyId', '=', id);
    if (since !== undefined) query = query.where('createdAt', '>=', since);
    const rows = await query.groupBy('status').execute();
    const counts = Object.fromEntries(BUILD_STATUSES.map((s) => [s, 0])) as Record<BuildStatus, number>;
    for (const row of rows) counts[row.status as BuildStatus] = Number(row.count);
    return counts;
  }

  /** Deactivates the key; returns false if it does not exist in this tenant or was already revoked. */
  async revoke(organizationId: string, id: string): Promise<boolean> {
    const res = await this.db
      .updateTable('apiKeys')
      .set({ isActive: 0, revokedAt: this.clock() })
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }
}
