import { createId } from '@paralleldrive/cuid2';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { BuildsTable, Database } from './database.schema.js';
import { decodeJson, encodeJson } from './json.codec.js';
import { decodePageCursor, encodePageCursor, type Page } from './page-cursor.codec.js';
import { PrecompiledQuery } from './precompiled-query.js';
import type { Clock } from './store.clock.js';

export const BUILD_STATUSES = ['PENDING', 'QUEUED', 'IN_PROGRESS', 'SUCCESS', 'FAILED', 'CANCELLED'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];
export const TERMINAL_BUILD_STATUSES: readonly BuildStatus[] = ['SUCCESS', 'FAILED', 'CANCELLED'];

export function isTerminalBuildStatus(status: BuildStatus): boolean {
  return TERMINAL_BUILD_STATUSES.includes(status);
}

/** A build row with its JSON columns decoded. Timestamps are epoch milliseconds. */
export interface Build {
  readonly id: string;
  /** The tenant that owns the build. */
  readonly organizationId: string;
  readonly apiKeyId: string | null;
  readonly name: string;
  readonly status: BuildStatus;
  readonly step: string | null;
  readonly progress: number;
  readonly spec: unknown;
  readonly planHash: string | null;
  /** Content address: equal keys produce equal artifacts. */
  readonly buildKey: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly warnings: readonly string[];
  readonly base: string | null;
  readonly kernel: string | null;
  readonly init: string | null;
  readonly architecture: string | null;
  readonly securityLevel: string | null;
  /** Lower runs first. */
  readonly priority: number;
  /** Attempts started so far (incremented when a worker claims the build). */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly workerId: string | null;
  readonly heartbeatAt: number | null;
  readonly cancelRequestedAt: number | null;
  readonly cancelledAt: number | null;
  readonly createdAt: number;
  readonly queuedAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Milliseconds per step, e.g. `{ base: 25000, packages: 9000 }`. */
  readonly timings: Readonly<Record<string, number>>;
}

export interface NewBuild {
  /** Optional preset id (cuid2 by default). */
  readonly id?: string;
  readonly organizationId: string;
  readonly apiKeyId?: string | null;
  readonly name: string;
  readonly spec: unknown;
  /** QUEUED (default) when the caller enqueues right away; PENDING when something else must happen first. */
  readonly status?: 'PENDING' | 'QUEUED';
  readonly planHash?: string | null;
  readonly buildKey?: string | null;
  readonly warnings?: readonly string[];
  readonly base?: string | null;
  readonly kernel?: string | null;
  readonly init?: string | null;
  readonly architecture?: string | null;
  readonly securityLevel?: string | null;
  readonly priority?: number;
  readonly maxAttempts?: number;
}

/** Fields a status transition may set along with the status. */
export interface BuildPatch {
  readonly step?: string | null;
  readonly progress?: number;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
  readonly warnings?: readonly string[];
  readonly planHash?: string | null;
  readonly buildKey?: string | null;
  readonly attempts?: number;
  readonly workerId?: string | null;
  readonly heartbeatAt?: number | null;
  readonly cancelledAt?: number | null;
  readonly queuedAt?: number | null;
  readonly startedAt?: number | null;
  readonly finishedAt?: number | null;
  readonly timings?: Readonly<Record<string, number>>;
}

export interface ListBuildsOptions {
  /** Opaque cursor from the previous page's `nextCursor`. A malformed cursor starts from the top. */
  readonly cursor?: string | undefined;
  /** 1..100, default 20. */
  readonly limit?: number | undefined;
  readonly status?: BuildStatus | undefined;
}

export type CancelOutcome =
  /** No build with that id in this tenant. */
  | 'not-found'
  /** The build had already finished. */
  | 'not-cancellable'
  /** It was PENDING or QUEUED and is now CANCELLED. */
  | 'cancelled'
  /** It is IN_PROGRESS; its worker will see the request at its next heartbeat and abort. */
  | 'cancel-requested';

export interface HeartbeatResult {
  /** False when the row is no longer IN_PROGRESS under this worker (reconciled, cancelled or finished). */
  readonly isOwned: boolean;
  readonly isCancelRequested: boolean;
}

function toBuild(row: Selectable<BuildsTable>): Build {
  const { logSeq: _logSeq, ...rest } = row;
  return {
    ...rest,
    status: row.status as BuildStatus,
    spec: decodeJson<unknown>(row.spec, null),
    warnings: decodeJson<string[]>(row.warnings, []),
    timings: decodeJson<Record<string, number>>(row.timings, {}),
  };
}

function toUpdate(patch: BuildPatch): Updateable<BuildsTable> {
  const { warnings, timings, progress, ...rest } = patch;
  return {
    ...rest,
    ...(warnings === undefined ? {} : { warnings: encodeJson(warnings) }),
    ...(timings === undefined ? {} : { timings: encodeJson(timings) }),
    ...(progress === undefined ? {} : { progress: clampProgress(progress) }),
  };
}

function clampProgress(progress: number): number {
  return Math.max(0, Math.min(100, Math.round(progress)));
}

/**
 * Builds: the source of truth for a build's state. Two kinds of methods:
 * - tenant methods take the caller's `organizationId` first and answer undefined / 'not-found' for any
 *   other tenant's build (the API turns that into 404);
 * - system methods (`getForWorker`, `claimForWorker`, `transition`, `heartbeat`, `updateProgress`,
 *   `listByStatus`, `listStaleInProgress`) are for the worker and the reconciler, which work across
 *   tenants. Never call them with an id taken from a request.
 */
export class BuildsRepository {
  /** The status endpoint's read, polled by every client: built and compiled once. */
  private readonly getQuery: PrecompiledQuery<Selectable<BuildsTable>, 'organizationId' | 'id'>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.getQuery = new PrecompiledQuery(db, ['organizationId', 'id'], (param) =>
      db
        .selectFrom('builds')
        .selectAll()
        .where('organizationId', '=', param('organizationId'))
        .where('id', '=', param('id')),
    );
  }

  async create(input: NewBuild): Promise<Build> {
    const now = this.clock();
    const status = input.status ?? 'QUEUED';
    const row = await this.db
      .insertInto('builds')
      .values({
        id: input.id ?? createId(),
        organizationId: input.organizationId,
        apiKeyId: input.apiKeyId ?? null,
        name: input.name,
        status,
        step: null,
        progress: 0,
        spec: encodeJson(input.spec),
        planHash: input.planHash ?? null,
        buildKey: input.buildKey ?? null,
        errorCode: null,
        errorMessage: null,
        warnings: encodeJson(input.warnings ?? []),
        base: input.base ?? null,
        kernel: input.kernel ?? null,
        init: input.init ?? null,
        architecture: input.architecture ?? null,
        securityLevel: input.securityLevel ?? null,
        priority: input.priority ?? 0,
        attempts: 0,
        maxAttempts: input.maxAttempts ?? 3,
        workerId: null,
        heartbeatAt: null,
        cancelRequestedAt: null,
        cancelledAt: null,
        createdAt: now,
        queuedAt: status === 'QUEUED' ? now : null,
        startedAt: null,
        finishedAt: null,
        timings: '{}',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toBuild(row);
  }

  /** Tenant read: undefined when the build does not exist or belongs to another organization. */
  async get(organizationId: string, id: string): Promise<Build | undefined> {
    const [row] = await this.getQuery.execute({ organizationId, id });
    return row === undefined ? undefined : toBuild(row);
  }

  /** Newest first, keyset-paginated on (createdAt, id): every row appears exactly once across pages. */
  async list(organizationId: string, options: ListBuildsOptions = {}): Promise<Page<Build>> {
    const limit = Math.max(1, Math.min(100, Math.floor(options.limit ?? 20)));
    const cursor = options.cursor === undefined ? undefined : decodePageCursor(options.cursor);
    let query = this.db.selectFrom('builds').selectAll().where('organizationId', '=', organizationId);
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    if (cursor !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb('createdAt', '<', cursor.createdAt),
          eb.and([eb('createdAt', '=', cursor.createdAt), eb('id', '<', cursor.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toBuild);
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodePageCursor({ createdAt: last.createdAt, id: last.id })
          : undefined,
    };
  }

  /** The newest SUCCESS build of this tenant with this content address, for "return at once" reuse. */
  async findSuccessfulByBuildKey(organizationId: string, buildKey: string): Promise<Build | undefined> {
    const row = await this.db
      .selectFrom('builds')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('buildKey', '=', buildKey)
      .where('status', '=', 'SUCCESS')
      .orderBy('finishedAt', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toBuild(row);
  }

  /**
   * Cancels a build of this tenant: PENDING/QUEUED builds become CANCELLED at once; IN_PROGRESS builds get
   * `cancelRequestedAt` and their worker aborts them. Retries internally when the status moves under it.
   */
  async requestCancel(organizationId: string, id: string): Promise<CancelOutcome> {
    for (let round = 0; round < 5; round++) {
      const build = await this.get(organizationId, id);
      if (build === undefined) return 'not-found';
      const now = this.clock();
      switch (build.status) {
        case 'PENDING':
        case 'QUEUED': {
          const res = await this.db
            .updateTable('builds')
            .set({
              status: 'CANCELLED',
              cancelRequestedAt: now,
              cancelledAt: now,
              finishedAt: now,
              errorCode: 'LBE_BUILD_CANCELLED',
              errorMessage: 'Cancelled before it started',
            })
            .where('organizationId', '=', organizationId)
            .where('id', '=', id)
            .where('status', '=', build.status)
            .executeTakeFirst();
          if (res.numUpdatedRows > 0n) return 'cancelled';
          break;
        }
        case 'IN_PROGRESS': {
          const res = await this.db
            .updateTable('builds')
            .set((eb) => ({ cancelRequestedAt: eb.fn.coalesce('cancelRequestedAt', eb.val(now)) }))
            .where('organizationId', '=', organizationId)
            .where('id', '=', id)
            .where('status', '=', 'IN_PROGRESS')
            .executeTakeFirst();
          if (res.numUpdatedRows > 0n) return 'cancel-requested';
          break;
        }
        case 'SUCCESS':
        case 'FAILED':
        case 'CANCELLED':
          return 'not-cancellable';
      }
    }
    return 'not-cancellable';
  }

  /** Per-status counts of this tenant's builds created at or after `since` (all time when omitted). */
  async countByStatus(organizationId: string, since?: number): Promise<Record<BuildStatus, number>> {
    let query = this.db
      .selectFrom('builds')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('count')])
      .where('organizationId', '=', organizationId);
    if (since !== undefined) query = query.where('createdAt', '>=', since);
    const rows = await query.groupBy('status').execute();
    const counts = Object.fromEntries(BUILD_STATUSES.map((s) => [s, 0])) as Record<BuildStatus, number>;
    for (const row of rows) counts[row.status as BuildStatus] = Number(row.count);
    return counts;
  }

  // ---- system methods (worker, reconciler) -------------------------------------------------------------

  /** System read by id, across tenants. */
  async getForWorker(id: string): Promise<Build | undefined> {
    const row = await this.db.selectFrom('builds').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toBuild(row);
  }

  /**
   * Atomic compare-and-set: moves the build to `to` (plus `patch`) only if its status is one of `from`
   * and, when `expectWorkerId` is given, it is held by that worker. Returns whether the row changed.
   */
  async transition(
    id: string,
    from: readonly BuildStatus[],
    to: BuildStatus,
    patch: BuildPatch = {},
    guard: { expectWorkerId?: string; expectHeartbeatAt?: number | null } = {},
  ): Promise<boolean> {
    if (from.length === 0) return false;
    let query = this.db
      .updateTable('builds')
      .set({ ...toUpdate(patch), status: to })
      .where('id', '=', id)
      .where('status', 'in', from);
    if (guard.expectWorkerId !== undefined) query = query.where('workerId', '=', guard.expectWorkerId);
    if (guard.expectHeartbeatAt !== undefined) {
      query =
        guard.expectHeartbeatAt === null
          ? query.where('heartbeatAt', 'is', null)
          : query.where('heartbeatAt', '=', guard.expectHeartbeatAt);
    }
    const res = await query.executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  /**
   * QUEUED → IN_PROGRESS for `workerId`, counting one more attempt and stamping start and heartbeat.
   * Returns the updated build, or undefined if the build was not QUEUED (someone else has it, or it was
   * cancelled): the caller then drops its queue message.
   */
  async claimForWorker(id: string, workerId: string): Promise<Build | undefined> {
    const now = this.clock();
    const row = await this.db
      .updateTable('builds')
      .set((eb) => ({
        status: 'IN_PROGRESS',
        workerId,
        attempts: eb('attempts', '+', 1),
        startedAt: now,
        heartbeatAt: now,
        step: null,
        progress: 0,
      }))
      .where('id', '=', id)
      .where('status', '=', 'QUEUED')
      .where('cancelRequestedAt', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toBuild(row);
  }

  /** Stamps the heartbeat of a build this worker holds, and reports whether a cancel was requested. */
  async heartbeat(id: string, workerId: string): Promise<HeartbeatResult> {
    const row = await this.db
      .updateTable('builds')
      .set({ heartbeatAt: this.clock() })
      .where('id', '=', id)
      .where('workerId', '=', workerId)
      .where('status', '=', 'IN_PROGRESS')
      .returning(['cancelRequestedAt'])
      .executeTakeFirst();
    if (row === undefined) return { isOwned: false, isCancelRequested: false };
    return { isOwned: true, isCancelRequested: row.cancelRequestedAt !== null };
  }

  /** Sets step and progress (clamped to 0..100) of an IN_PROGRESS build; returns whether it applied. */
  async updateProgress(id: string, step: string | null, progress: number): Promise<boolean> {
    const res = await this.db
      .updateTable('builds')
      .set({ step, progress: clampProgress(progress) })
      .where('id', '=', id)
      .where('status', '=', 'IN_PROGRESS')
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  /** System listing in queue order (priority, then age). */
  async listByStatus(status: BuildStatus, limit = 100): Promise<readonly Build[]> {
    const rows = await this.db
      .selectFrom('builds')
      .selectAll()
      .where('status', '=', status)
      .orderBy('priority')
      .orderBy('createdAt')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toBuild);
  }

  /** IN_PROGRESS builds whose last heartbeat is older than `heartbeatBefore` (epoch ms) or missing. */
  async listStaleInProgress(heartbeatBefore: number, limit = 100): Promise<readonly Build[]> {
    const rows = await this.db
      .selectFrom('builds')
      .selectAll()
      .where('status', '=', 'IN_PROGRESS')
      .where((eb) => eb.or([eb('heartbeatAt', '<', heartbeatBefore), eb('heartbeatAt', 'is', null)]))
      .orderBy('heartbeatAt')
      .limit(limit)
      .execute();
    return rows.map(toBuild);
  }
}
