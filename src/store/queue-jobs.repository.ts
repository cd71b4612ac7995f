import { createId } from '@paralleldrive/cuid2';
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { Database, QueueJobsTable } from './database.schema.js';
import type { Clock } from './store.clock.js';

export type QueueJobState = 'waiting' | 'active';

/** One message of the embedded queue: "run build X". At most one live message per (queue, build). */
export interface QueueJob {
  readonly queue: string;
  readonly buildId: string;
  readonly state: QueueJobState;
  /** Lower runs first. */
  readonly priority: number;
  /** Not claimable before this epoch-ms instant (delays and retry backoff). */
  readonly runAt: number;
  /** Claims so far, including the current one. */
  readonly attemptsMade: number;
  readonly maxAttempts: number;
  /** Base of the exponential backoff: retry n waits backoffMs · 2^(n-1). */
  readonly backoffMs: number;
  readonly workerId: string | null;
  /** Changes on every claim; completing or failing needs the current token (fences out stale workers). */
  readonly token: string | null;
  /** An active job whose lease has passed is claimable again (its worker is presumed dead). */
  readonly leaseUntil: number | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface EnqueueJobOptions {
  readonly priority?: number;
  readonly maxAttempts?: number;
  readonly backoffMs?: number;
  readonly delayMs?: number;
}

export interface QueueJobCounts {
  readonly waiting: number;
  readonly delayed: number;
  readonly active: number;
}

const CLAIM_ROUNDS = 5;

function toJob(row: Selectable<QueueJobsTable>): QueueJob {
  return { ...row, state: row.state as QueueJobState };
}

/**
 * SQL of the embedded (`local`) queue, shared by SQLite and PostgreSQL. System-only: it knows build ids,
 * not tenants. Finished jobs are deleted (the build row keeps the outcome), so a build can be enqueued again
 * once its previous message is gone.
 */
export class QueueJobsRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Adds a waiting job; returns false (and changes nothing) when the build already has a live job. */
  async enqueue(queue: string, buildId: string, options: EnqueueJobOptions = {}): Promise<boolean> {
    const now = this.clock();
    const row = await this.db
      .insertInto('queueJobs')
      .values({
        queue,
        buildId,
        state: 'waiting',
        priority: options.priority ?? 0,
        runAt: now + Math.max(0, options.delayMs ?? 0),
        attemptsMade: 0,
        maxAttempts: Math.max(1, options.maxAttempts ?? 3),
        backoffMs: Math.max(0, options.backoffMs ?? 1000),
        workerId: null,
        token: null,
        leaseUntil: null,
        lastError: null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflict((oc) => oc.columns(['queue', 'buildId']).doNothing())
      .returning(['buildId'])
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Atomically claims the next job: the waiting job with the lowest (priority, runAt) whose time has come,
   * or an active job whose lease expired. It picks a candidate, then claims it with an UPDATE that
   * re-checks the claimable condition (compare-and-set), so two workers (threads, processes, hosts) never
   * hold the same job: on PostgreSQL the loser of a race re-evaluates the row after the winner commits and
   * matches nothing; SQLite serialises writers. The loser looks for another candidate (a few rounds).
   * Returns undefined when nothing is claimable.
   */
  async claim(queue: string, workerId: string, leaseMs: number): Promise<QueueJob | undefined> {
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const now = this.clock();
      const token = createId();
      const isClaimable = (eb: ExpressionBuilder<Database, 'queueJobs'>) =>
        eb.or([
          eb.and([eb('state', '=', 'waiting'), eb('runAt', '<=', now)]),
          eb.and([eb('state', '=', 'active'), eb('leaseUntil', '<', now)]),
        ]);
      const next = await this.db
        .selectFrom('queueJobs')
        .select('buildId')
        .where('queue', '=', queue)
        .where(isClaimable)
        .orderBy('priority')
        .orderBy('runAt')
        .orderBy('buildId')
        .limit(1)
        .executeTakeFirst();
      if (next === undefined) return undefined;
      const row = await this.db
        .updateTable('queueJobs')
        .set((eb) => ({
          state: 'active',
          workerId,
          token,
          leaseUntil: now + leaseMs,
          attemptsMade: eb('attemptsMade', '+', 1),
          updatedAt: now,
        }))
        .where('queue', '=', queue)
        .where('buildId', '=', next.buildId)
        .where(isClaimable)
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) return toJob(row);
      // Lost the race for that job: look again.
    }
    return undefined;
  }

  /** Pushes the lease forward; false when the job is no longer held with this token. */
  async extendLease(queue: string, buildId: string, token: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const res = await this.db
      .updateTable('queueJobs')
      .set({ leaseUntil: now + leaseMs, updatedAt: now })
      .where('queue', '=', queue)
      .where('buildId', '=', buildId)
      .where('token', '=', token)
      .where('state', '=', 'active')
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  /** Removes the job held with `token` (done, or failed for good); false if the token is stale. */
  async finish(queue: string, buildId: string, token: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('queueJobs')
      .where('queue', '=', queue)
      .where('buildId', '=', buildId)
      .where('token', '=', token)
      .executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  /**
   * Puts the held job back to waiting at `now + delayMs`. With `refundAttempt` the claim does not count
   * (used when a worker shuts down mid-job). False if the token is stale.
   */
  async reschedule(
    queue: string,
    buildId: string,
    token: string,
    options: { delayMs: number; error?: string | null; refundAttempt?: boolean },
  ): Promise<boolean> {
    const now = this.clock();
    const res = await this.db
      .updateTable('queueJobs')
      .set((eb) => ({
        state: 'waiting',
        runAt: now + Math.max(0, options.delayMs),
        workerId: null,
        token: null,
        leaseUntil: null,
        lastError: options.error ?? null,
        updatedAt: now,
        ...(options.refundAttempt === true ? { attemptsMade: eb('attemptsMade', '-', 1) } : {}),
      }))
      .where('queue', '=', queue)
      .where('buildId', '=', buildId)
      .where('token', '=', token)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  async get(queue: string, buildId: string): Promise<QueueJob | undefined> {
    const row = await this.db
      .selectFrom('queueJobs')
      .selectAll()
      .where('queue', '=', queue)
      .where('buildId', '=', buildId)
      .executeTakeFirst();
    return row === undefined ? undefined : toJob(row);
  }

  /** Removes a job that is not running; false if absent or active. */
  async removeWaiting(queue: string, buildId: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('queueJobs')
      .where('queue', '=', queue)
      .where('buildId', '=', buildId)
      .where('state', '=', 'waiting')
      .executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  async counts(queue: string): Promise<QueueJobCounts> {
    const now = this.clock();
    const count = async (
      filter: (
        eb: ExpressionBuilder<Database, 'queueJobs'>,
      ) => ReturnType<ExpressionBuilder<Database, 'queueJobs'>['and']>,
    ): Promise<number> => {
      const row = await this.db
        .selectFrom('queueJobs')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('queue', '=', queue)
        .where(filter)
        .executeTakeFirst();
      return Number(row?.count ?? 0);
    };
    const [waiting, delayed, active] = await Promise.all([
      count((eb) => eb.and([eb('state', '=', 'waiting'), eb('runAt', '<=', now)])),
      count((eb) => eb.and([eb('state', '=', 'waiting'), eb('runAt', '>', now)])),
      count((eb) => eb.and([eb('state', '=', 'active')])),
    ]);
    return { waiting, delayed, active };
  }

  /** Deletes every job of the queue (tests, and `lbe queue drain`); returns how many. */
  async drain(queue: string): Promise<number> {
    const res = await this.db.deleteFrom('queueJobs').where('queue', '=', queue).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
