import type { Kysely } from 'kysely';
import { buildBelongsTo } from './build-ownership.query.js';
import type { Database } from './database.schema.js';
import { PrecompiledQuery } from './precompiled-query.js';
import type { Clock } from './store.clock.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface NewLogLine {
  readonly message: string;
  readonly level?: LogLevel;
  readonly step?: string | null;
  /** Epoch ms; the store's clock when omitted. */
  readonly ts?: number;
}

export interface LogLine {
  readonly buildId: string;
  /** 1, 2, 3, … per build, gap-free, in append order. */
  readonly seq: number;
  readonly ts: number;
  readonly level: LogLevel;
  readonly step: string | null;
  readonly message: string;
}

export interface LogPage {
  readonly lines: readonly LogLine[];
  /** Pass as `afterSeq` to read on; equals the request's `afterSeq` when nothing new was there. */
  readonly lastSeq: number;
}

const INSERT_CHUNK = 500;

/**
 * The append-only build log. `append` is a system method (the worker writes); `list` is tenant-scoped.
 * Sequence numbers come from a counter on the build row bumped in the same transaction as the insert,
 * so concurrent appends to one build never collide, on SQLite or PostgreSQL.
 */
export class BuildLogsRepository {
  /** A page of one tenant's build log, joined on the owning build: built and compiled once. */
  private readonly pageQuery: PrecompiledQuery<
    Omit<LogLine, 'level'> & { level: string },
    'organizationId' | 'buildId' | 'afterSeq' | 'limit'
  >;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.pageQuery = new PrecompiledQuery(db, ['organizationId', 'buildId', 'afterSeq', 'limit'], (param) =>
      db
        .selectFrom('buildLogs')
        .innerJoin('builds', 'builds.id', 'buildLogs.buildId')
        .select([
          'buildLogs.buildId',
          'buildLogs.seq',
          'buildLogs.ts',
          'buildLogs.level',
          'buildLogs.step',
          'buildLogs.message',
        ])
        .where('builds.organizationId', '=', param('organizationId'))
        .where('buildLogs.buildId', '=', param('buildId'))
        .where('buildLogs.seq', '>', param('afterSeq'))
        .orderBy('buildLogs.seq')
        .limit(param('limit')),
    );
  }

  /** Appends the lines in order; returns the seq of the last one, or undefined if the build does not exist. */
  async append(buildId: string, lines: readonly NewLogLine[]): Promise<number | undefined> {
    if (lines.length === 0) return undefined;
    return this.db.transaction().execute(async (trx) => {
      const bumped = await trx
        .updateTable('builds')
        .set((eb) => ({ logSeq: eb('logSeq', '+', lines.length) }))
        .where('id', '=', buildId)
        .returning(['logSeq'])
        .executeTakeFirst();
      if (bumped === undefined) return undefined;
      const last = bumped.logSeq;
      const first = last - lines.length + 1;
      const now = this.clock();
      const rows = lines.map((line, i) => ({
        buildId,
        seq: first + i,
        ts: line.ts ?? now,
        level: line.level ?? 'info',
        step: line.step ?? null,
        message: line.message,
      }));
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('buildLogs')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .execute();
      }
      return last;
    });
  }

  /**
   * Lines with seq > `afterSeq` (default 0), ascending, at most `limit` (1..5000, default 1000).
   * Undefined when the build does not exist in this tenant.
   * One query joined on the owning build; only an empty page costs a second one (to tell "nothing new"
   * from "not yours"), which keeps the status endpoint's hot path short.
   */
  async list(
    organizationId: string,
    buildId: string,
    options: { afterSeq?: number; limit?: number } = {},
  ): Promise<LogPage | undefined> {
    const afterSeq = Math.max(0, Math.floor(options.afterSeq ?? 0));
    const limit = Math.max(1, Math.min(5000, Math.floor(options.limit ?? 1000)));
    const rows = await this.pageQuery.execute({ organizationId, buildId, afterSeq, limit });
    if (rows.length === 0) {
      return (await buildBelongsTo(this.db, organizationId, buildId))
        ? { lines: [], lastSeq: afterSeq }
        : undefined;
    }
    const lines = rows.map((r) => ({ ...r, level: r.level as LogLevel }));
    return { lines, lastSeq: lines.at(-1)?.seq ?? afterSeq };
  }
}
