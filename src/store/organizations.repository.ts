import { createId } from '@paralleldrive/cuid2';
import type { Kysely, Selectable } from 'kysely';
import type { Database, OrganizationsTable } from './database.schema.js';
import type { Clock } from './store.clock.js';

export const ORGANIZATION_TIERS = ['free', 'basic', 'pro', 'enterprise'] as const;
export type OrganizationTier = (typeof ORGANIZATION_TIERS)[number];

export const DEFAULT_STORAGE_QUOTA_BYTES = 10 * 1024 ** 3;

export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly tier: OrganizationTier;
  /** Builds per calendar month; null = unlimited. */
  readonly buildQuota: number | null;
  readonly storageQuotaBytes: number;
  readonly createdAt: number;
}

export interface NewOrganization {
  readonly name: string;
  readonly slug: string;
  readonly tier?: OrganizationTier;
  readonly buildQuota?: number | null;
  readonly storageQuotaBytes?: number;
}

function toOrganization(row: Selectable<OrganizationsTable>): Organization {
  return { ...row, tier: row.tier as OrganizationTier };
}

/**
 * Organizations are the tenants. These methods are not tenant-scoped: only admin paths and bootstrap
 * call them. `create` rejects a duplicate slug with the driver's unique-violation error.
 */
export class OrganizationsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async create(input: NewOrganization): Promise<Organization> {
    const row = await this.db
      .insertInto('organizations')
      .values({
        id: createId(),
        name: input.name,
        slug: input.slug,
        tier: input.tier ?? 'free',
        buildQuota: input.buildQuota ?? null,
        storageQuotaBytes: input.storageQuotaBytes ?? DEFAULT_STORAGE_QUOTA_BYTES,
        createdAt: this.clock(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toOrganization(row);
  }

  /**
   * Inserts the organization unless one with the same slug exists; returns whichever row holds the slug.
   * Safe to call concurrently from several processes.
   */
  async ensure(input: NewOrganization): Promise<Organization> {
    await this.db
      .insertInto('organizations')
      .values({
        id: createId(),
        name: input.name,
        slug: input.slug,
        tier: input.tier ?? 'free',
        buildQuota: input.buildQuota ?? null,
        storageQuotaBytes: input.storageQuotaBytes ?? DEFAULT_STORAGE_QUOTA_BYTES,
        createdAt: this.clock(),
      })
      .onConflict((oc) => oc.column('slug').doNothing())
      .execute();
    const org = await this.getBySlug(input.slug);
    if (org === undefined) throw new Error(`organization ${input.slug} vanished after insert`);
    return org;
  }

  async get(id: string): Promise<Organization | undefined> {
    const row = await this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toOrganization(row);
  }

  async getBySlug(slug: string): Promise<Organization | undefined> {
    const row = await this.db
      .selectFrom('organizations')
      .selectAll()
      .where('slug', '=', slug)
      .executeTakeFirst();
    return row === undefined ? undefined : toOrganization(row);
  }

  /** Every organization, oldest first (operator listing). */
  async list(): Promise<readonly Organization[]> {
    const rows = await this.db
      .selectFrom('organizations')
      .selectAll()
      .orderBy('createdAt')
      .orderBy('id')
      .execute();
    return rows.map(toOrganization);
  }

  /** Bytes of this organization's artifacts that are not deleted (the storage quota counts these). */
  async artifactBytes(id: string): Promise<number> {
    const row = await this.db
      .selectFrom('buildArtifacts')
      .innerJoin('builds', 'builds.id', 'buildArtifacts.buildId')
      .select((eb) =>
        eb.fn.coalesce(eb.fn.sum<number | string>('buildArtifacts.sizeBytes'), eb.lit(0)).as('bytes'),
      )
      .where('builds.organizationId', '=', id)
      .where('buildArtifacts.deletedAt', 'is', null)
      .executeTakeFirst();
    return Number(row?.bytes ?? 0);
  }

  async update(
    id: string,
    patch: Partial<Pick<Organization, 'name' | 'tier' | 'buildQuota' | 'storageQuotaBytes'>>,
  ): Promise<Organization | undefined> {
    const row = await this.db
      .updateTable('organizations')
      .set(patch)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toOrganization(row);
  }
}
