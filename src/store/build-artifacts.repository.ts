import { createId } from '@paralleldrive/cuid2';
import type { Kysely, Selectable } from 'kysely';
import { buildBelongsTo } from './build-ownership.query.js';
import type { BuildArtifactsTable, Database } from './database.schema.js';
import { PrecompiledQuery } from './precompiled-query.js';
import type { Clock } from './store.clock.js';

export const ARTIFACT_FILE_TYPES = [
  'docker',
  'iso',
  'rootfs',
  'sbom',
  'manifest',
  'dockerfile',
  'context',
  'log',
  'checksums',
  'image-ref',
] as const;
export type ArtifactFileType = (typeof ARTIFACT_FILE_TYPES)[number];

export interface BuildArtifact {
  readonly id: string;
  readonly buildId: string;
  readonly fileType: ArtifactFileType;
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly sha256: string | null;
  /** Relative to the artifacts directory; null for records such as `image-ref`. */
  readonly path: string | null;
  /** Registry reference for `image-ref`. */
  readonly ref: string | null;
  readonly createdAt: number;
  /** Set when retention deleted the file; the row stays so the API can answer 410. */
  readonly deletedAt: number | null;
}

export interface NewBuildArtifact {
  readonly fileType: ArtifactFileType;
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly sha256?: string | null;
  readonly path?: string | null;
  readonly ref?: string | null;
}

const TYPE_RANK = new Map<string, number>(ARTIFACT_FILE_TYPES.map((type, i) => [type, i]));

/** Oldest first; records written in the same millisecond in ARTIFACT_FILE_TYPES order (ids are random). */
function byCreationThenType(a: BuildArtifact, b: BuildArtifact): number {
  return (
    a.createdAt - b.createdAt ||
    (TYPE_RANK.get(a.fileType) ?? 0) - (TYPE_RANK.get(b.fileType) ?? 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function toArtifact(row: Selectable<BuildArtifactsTable>): BuildArtifact {
  return { ...row, fileType: row.fileType as ArtifactFileType };
}

/**
 * Artifact records. `add`, `markDeleted` and `listExpired` are system methods (executor, retention);
 * `list`, `get` and `totalBytes` are tenant-scoped through the owning build.
 */
export class BuildArtifactsRepository {
  /** One tenant's artifacts of a build, joined on the owning build: built and compiled once. */
  private readonly listQuery: PrecompiledQuery<Selectable<BuildArtifactsTable>, 'organizationId' | 'buildId'>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.listQuery = new PrecompiledQuery(db, ['organizationId', 'buildId'], (param) =>
      db
        .selectFrom('buildArtifacts')
        .innerJoin('builds', 'builds.id', 'buildArtifacts.buildId')
        .selectAll('buildArtifacts')
        .where('builds.organizationId', '=', param('organizationId'))
        .where('buildArtifacts.buildId', '=', param('buildId'))
        .orderBy('buildArtifacts.createdAt')
        .orderBy('buildArtifacts.id'),
    );
  }

  async add(buildId: string, input: NewBuildArtifact): Promise<BuildArtifact> {
    const row = await this.db
      .insertInto('buildArtifacts')
      .values({
        id: createId(),
        buildId,
        fileType: input.fileType,
        fileName: input.fileName,
        sizeBytes: input.sizeBytes,
        sha256: input.sha256 ?? null,
        path: input.path ?? null,
        ref: input.ref ?? null,
        createdAt: this.clock(),
        deletedAt: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toArtifact(row);
  }

  /**
   * All artifacts of the build (deleted ones included, with `deletedAt`); undefined for another tenant.
   * One query joined on the owning build; an empty list costs a second one to tell "none" from "not yours".
   */
  async list(organizationId: string, buildId: string): Promise<readonly BuildArtifact[] | undefined> {
    const rows = await this.listQuery.execute({ organizationId, buildId });
    if (rows.length === 0) {
      return (await buildBelongsTo(this.db, organizationId, buildId)) ? [] : undefined;
    }
    return rows.map(toArtifact).sort(byCreationThenType);
  }

  /** The newest artifact of that type (possibly deleted: check `deletedAt` for 410). */
  async get(
    organizationId: string,
    buildId: string,
    fileType: ArtifactFileType,
  ): Promise<BuildArtifact | undefined> {
    const row = await this.db
      .selectFrom('buildArtifacts')
      .innerJoin('builds', 'builds.id', 'buildArtifacts.buildId')
      .selectAll('buildArtifacts')
      .where('builds.organizationId', '=', organizationId)
      .where('buildArtifacts.buildId', '=', buildId)
      .where('buildArtifacts.fileType', '=', fileType)
      .orderBy('buildArtifacts.createdAt', 'desc')
      .orderBy('buildArtifacts.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toArtifact(row);
  }

  /** Bytes of this tenant's artifacts that still exist on disk (for the storage quota). */
  async totalBytes(organizationId: string): Promise<number> {
    const row = await this.db
      .selectFrom('buildArtifacts')
      .innerJoin('builds', 'builds.id', 'buildArtifacts.buildId')
      .select((eb) => eb.fn.sum<number | string | null>('buildArtifacts.sizeBytes').as('total'))
      .where('builds.organizationId', '=', organizationId)
      .where('buildArtifacts.deletedAt', 'is', null)
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  /** Returns false if it was already marked. */
  async markDeleted(id: string): Promise<boolean> {
    const res = await this.db
      .updateTable('buildArtifacts')
      .set({ deletedAt: this.clock() })
      .where('id', '=', id)
      .where('deletedAt', 'is', null)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  /** Not-yet-deleted artifacts created before `createdBefore` (epoch ms), oldest first. */
  async listExpired(createdBefore: number, limit = 500): Promise<readonly BuildArtifact[]> {
    const rows = await this.db
      .selectFrom('buildArtifacts')
      .selectAll()
      .where('createdAt', '<', createdBefore)
      .where('deletedAt', 'is', null)
      .orderBy('createdAt')
      .limit(limit)
      .execute();
    return rows.map(toArtifact);
  }
}
