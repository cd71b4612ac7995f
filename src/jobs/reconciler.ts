import type { Logger } from 'pino';
import { systemClock, type Clock, type Store } from '../store/index.js';
import type { JobQueue } from './job-queue.js';

export interface ReconcilerOptions {
  readonly store: Store;
  readonly queue: JobQueue;
  /** An IN_PROGRESS build whose heartbeat is older than this is presumed lost (default 60 s). */
  readonly staleAfterMs?: number;
  /** Period of `start()` (default 30 s). */
  readonly intervalMs?: number;
  /** Builds looked at per pass and per kind (default 200). */
  readonly batchSize?: number;
  readonly clock?: Clock;
  readonly logger?: Logger | undefined;
}

/** What one pass did, by build id. */
export interface ReconcileReport {
  /** QUEUED builds that had no live queue message and got one. */
  readonly requeued: readonly string[];
  /** Stale IN_PROGRESS builds put back to QUEUED for another attempt. */
  readonly retried: readonly string[];
  /** Stale IN_PROGRESS builds with no attempts left, now FAILED with LBE_WORKER_LOST. */
  readonly failed: readonly string[];
  /** Stale IN_PROGRESS builds whose cancel had been requested, now CANCELLED. */
  readonly cancelled: readonly string[];
}

/**
 * Keeps the queue in step with the build rows (the truth). Each pass:
 * 1. IN_PROGRESS builds whose heartbeat is older than `staleAfterMs`: cancelled if a cancel was requested,
 *    else back to QUEUED with attempts left (and enqueued), else FAILED with LBE_WORKER_LOST. Each change is
 *    a compare-and-set on the observed heartbeat, so a worker that heart-beats meanwhile keeps its build.
 * 2. QUEUED builds without a live queue message are enqueued (a lost message, a Redis restart, a crash
 *    between insert and enqueue).
 * Safe to run in several processes at once: every step is idempotent.
 */
export class Reconciler {
  private readonly staleAfterMs: number;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ReconcilerOptions) {
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.intervalMs = options.intervalMs ?? 30_000;
    this.batchSize = options.batchSize ?? 200;
    this.clock = options.clock ?? systemClock;
  }

  async reconcileOnce(): Promise<ReconcileReport> {
    const { store, queue, logger } = this.options;
    const now = this.clock();
    const retried: string[] = [];
    const failed: string[] = [];
    const cancelled: string[] = [];
    const requeued: string[] = [];

    for (const b of await store.builds.listStaleInProgress(now - this.staleAfterMs, this.batchSize)) {
      const guard = { expectHeartbeatAt: b.heartbeatAt };
      if (b.cancelRequestedAt !== null) {
        const ok = await store.builds.transition(
          b.id,
          ['IN_PROGRESS'],
          'CANCELLED',
          { cancelledAt: now, finishedAt: now, errorCode: 'LBE_BUILD_CANCELLED', errorMessage: 'Cancelled' },
          guard,
        );
        if (ok) cancelled.push(b.id);
      } else if (b.attempts < b.maxAttempts) {
        const ok = await store.builds.transition(
          b.id,
          ['IN_PROGRESS'],
          'QUEUED',
          {
            workerId: null,
            heartbeatAt: null,
            queuedAt: now,
            step: null,
            errorCode: 'LBE_WORKER_LOST',
            errorMessage: `worker ${b.workerId ?? '?'} stopped heart-beating; retrying`,
          },
          guard,
        );
        if (ok) {
          retried.push(b.id);
          await queue.enqueue(b.id, { priority: b.priority, maxAttempts: b.maxAttempts });
        }
      } else {
        const ok = await store.builds.transition(
          b.id,
          ['IN_PROGRESS'],
          'FAILED',
          {
            finishedAt: now,
            errorCode: 'LBE_WORKER_LOST',
            errorMessage: `worker ${b.workerId ?? '?'} stopped heart-beating and no attempts are left`,
          },
          guard,
        );
        if (ok) failed.push(b.id);
      }
    }

    for (const b of await store.builds.listByStatus('QUEUED', this.batchSize)) {
      if (retried.includes(b.id) || (await queue.isQueued(b.id))) continue;
      if (await queue.enqueue(b.id, { priority: b.priority, maxAttempts: b.maxAttempts }))
        requeued.push(b.id);
    }

    const report = { requeued, retried, failed, cancelled };
    if (requeued.length + retried.length + failed.length + cancelled.length > 0) {
      logger?.info(report, 'reconciler repaired builds');
    }
    return report;
  }

  /** Runs a pass now and then every `intervalMs` (passes never overlap). Errors are logged, not thrown. */
  start(): void {
    if (this.timer !== undefined || this.closing !== undefined) return;
    const tick = (): void => {
      if (this.pass !== undefined) return;
      this.pass = this.reconcileOnce()
        .catch((err: unknown) => this.options.logger?.error({ err }, 'reconciler pass failed'))
        .finally(() => {
          this.pass = undefined;
        });
    };
    this.timer = setInterval(tick, this.intervalMs);
    tick();
  }

  /** Stops the interval and waits for a running pass. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.timer);
      await this.pass;
    })();
    return this.closing;
  }
}
