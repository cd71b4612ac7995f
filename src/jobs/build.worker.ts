import { hostname } from 'node:os';
import { createId } from '@paralleldrive/cuid2';
import type { Logger } from 'pino';
import { LbeError, isLbeError } from '../errors/index.js';
import {
  systemClock,
  type Build,
  type BuildStatus,
  type Clock,
  type NewLogLine,
  type Store,
} from '../store/index.js';
import type { JobOutcome, JobQueue, QueueConsumer, QueueDelivery } from './job-queue.js';

/** What a running build may do besides its own work. Every method is safe to call after an abort. */
export interface BuildRunContext {
  /** Aborted when the build is cancelled, the worker shuts down, or another process took the build over. */
  readonly signal: AbortSignal;
  readonly workerId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Stamps the heartbeat now (the worker also does so every `heartbeatIntervalMs`). */
  heartbeat(): Promise<void>;
  /** Records the current step and 0..100 progress on the build row (and in the queue's view). */
  reportProgress(step: string, progress: number): Promise<void>;
  /** Appends lines to the build log; strings are `info` lines of no particular step. */
  log(lines: readonly (string | NewLogLine)[]): Promise<void>;
}

/** Optional facts a successful run reports; stored on the build row. */
export interface BuildRunResult {
  readonly timings?: Readonly<Record<string, number>>;
  readonly warnings?: readonly string[];
}

/**
 * Runs one build. Contract: resolves on success; rejects with an LbeError whose table row decides the
 * outcome (retryable → retried with backoff while attempts remain, otherwise FAILED now). Any other error
 * counts as LBE_BUILD_STEP_FAILED (not retryable). Must honour `ctx.signal` promptly: `close()` and cancel
 * wait for the returned promise.
 */
export type RunBuild = (build: Build, ctx: BuildRunContext) => Promise<BuildRunResult | undefined>;

/** Emitted after the row changed, for WebSocket fan-out, webhooks and metrics. Listeners must not throw. */
export type BuildWorkerEvent =
  | {
      readonly type: 'status';
      readonly buildId: string;
      readonly organizationId: string;
      readonly status: BuildStatus;
      readonly errorCode?: string;
    }
  | {
      readonly type: 'progress';
      readonly buildId: string;
      readonly organizationId: string;
      readonly step: string;
      readonly progress: number;
    }
  | {
      readonly type: 'log';
      readonly buildId: string;
      readonly organizationId: string;
      readonly lastSeq: number;
    };

export interface BuildWorkerOptions {
  readonly queue: JobQueue;
  readonly store: Store;
  readonly runBuild: RunBuild;
  /** Builds at once (BUILD_CONCURRENCY, default 2). */
  readonly concurrency?: number;
  /** Default `${hostname}:${pid}:${cuid}`. */
  readonly workerId?: string;
  /** Heartbeat and cancel-check period (default 5000 ms). The reconciler's stale threshold must be several times this. */
  readonly heartbeatIntervalMs?: number;
  /** How long `close()` lets running builds finish before aborting them (default 30 s). */
  readonly shutdownGraceMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger | undefined;
  readonly onEvent?: (event: BuildWorkerEvent) => void;
  /**
   * Asked before a QUEUED build is claimed: a number of milliseconds means "not yet" (its organization runs
   * as many builds as its tier allows); the message goes back to the queue for that long, unclaimed.
   */
  readonly waitBeforeStart?: (build: Build) => Promise<number | undefined>;
}

type AbortReason = 'cancel' | 'shutdown' | 'lost';

interface RunningBuild {
  readonly controller: AbortController;
  reason: AbortReason | undefined;
}

/**
 * Takes builds from the queue and runs them. The build row is the truth: a delivery only starts a build
 * that is QUEUED (compare-and-set QUEUED → IN_PROGRESS); duplicates and stale deliveries are dropped.
 * While a build runs the worker heartbeats the row and watches for cancel requests; at the end it records
 * SUCCESS, FAILED (error code and message), CANCELLED, or QUEUED again for a retry.
 */
export class BuildWorker {
  readonly workerId: string;
  private readonly concurrency: number;
  private readonly heartbeatIntervalMs: number;
  private readonly shutdownGraceMs: number;
  private readonly clock: Clock;
  private readonly running = new Map<string, RunningBuild>();
  private consumer: QueueConsumer | undefined;
  private stopping = false;
  private closing: Promise<void> | undefined;
  private admissions: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: BuildWorkerOptions) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${createId().slice(0, 8)}`;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
    this.shutdownGraceMs = options.shutdownGraceMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Starts consuming. Calling it twice, or after `close()`, does nothing. */
  start(): void {
    if (this.consumer !== undefined || this.stopping) return;
    this.consumer = this.options.queue.consume((d) => this.handle(d), {
      concurrency: this.concurrency,
      workerId: this.workerId,
    });
    this.options.logger?.info(
      { workerId: this.workerId, concurrency: this.concurrency },
      'build worker started',
    );
  }

  /** Ids of the builds this worker is running right now. */
  get runningBuildIds(): readonly string[] {
    return [...this.running.keys()];
  }

  /**
   * Stops claiming, lets running builds finish for `shutdownGraceMs`, then aborts them; aborted builds go
   * back to QUEUED (their attempt not counted) and their messages back to the queue. Idempotent; does not
   * close the queue or the store, which the caller owns.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping = true;
      const consumer = this.consumer;
      if (consumer === undefined) return;
      const timer = setTimeout(() => {
        for (const run of this.running.values()) this.abort(run, 'shutdown');
      }, this.shutdownGraceMs);
      try {
        await consumer.close();
      } finally {
        clearTimeout(timer);
      }
      this.options.logger?.info({ workerId: this.workerId }, 'build worker stopped');
    })();
    return this.closing;
  }

  private abort(run: RunningBuild, reason: AbortReason): void {
    if (run.controller.signal.aborted) return;
    run.reason = reason;
    run.controller.abort(new LbeError('LBE_BUILD_CANCELLED', `build aborted: ${reason}`));
  }

  private emit(event: BuildWorkerEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (err) {
      this.options.logger?.error({ err }, 'build worker: event listener threw');
    }
  }

  private async handle(delivery: QueueDelivery): Promise<JobOutcome> {
    const { store } = this.options;
    const found = await store.builds.getForWorker(delivery.buildId);
    if (found?.status !== 'QUEUED') return { kind: 'done' }; // gone, running elsewhere, or finished
    if (this.stopping) return { kind: 'release' };
    if (found.cancelRequestedAt !== null) {
      const now = this.clock();
      await store.builds.transition(found.id, ['QUEUED'], 'CANCELLED', {
        cancelledAt: now,
        finishedAt: now,
        errorCode: 'LBE_BUILD_CANCELLED',
        errorMessage: 'Cancelled before it started',
      });
      return { kind: 'done' };
    }
    const claimed = await this.admitAndClaim(found);
    if (claimed.kind === 'wait') return { kind: 'release', delayMs: claimed.delayMs };
    const build = claimed.build;
    if (build === undefined) return { kind: 'done' };
    this.emit({
      type: 'status',
      buildId: build.id,
      organizationId: build.organizationId,
      status: 'IN_PROGRESS',
    });
    return this.run(build, delivery);
  }

  /**
   * Asks `waitBeforeStart`, then claims. With a gate, admissions and claims of this worker run one at a
   * time so that its own concurrent deliveries cannot all pass the same free slot (several worker
   * processes can still overshoot a tier limit by one build each).
   */
  private admitAndClaim(
    found: Build,
  ): Promise<{ kind: 'wait'; delayMs: number } | { kind: 'claimed'; build: Build | undefined }> {
    const gate = this.options.waitBeforeStart;
    const claim = () => this.options.store.builds.claimForWorker(found.id, this.workerId);
    if (gate === undefined) return claim().then((build) => ({ kind: 'claimed', build }) as const);
    const next = this.admissions.then(async () => {
      const delayMs = await gate(found);
      if (delayMs !== undefined) return { kind: 'wait', delayMs } as const;
      return { kind: 'claimed', build: await claim() } as const;
    });
    this.admissions = next.catch(() => undefined);
    return next;
  }

  private async run(build: Build, delivery: QueueDelivery): Promise<JobOutcome> {
    const { store, logger } = this.options;
    const log = logger?.child({ buildId: build.id, tenantId: build.organizationId, attempt: build.attempts });
    const run: RunningBuild = { controller: new AbortController(), reason: undefined };
    this.running.set(build.id, run);

    const beat = async (): Promise<void> => {
      try {
        const hb = await store.builds.heartbeat(build.id, this.workerId);
        if (!hb.isOwned) this.abort(run, 'lost');
        else if (hb.isCancelRequested) this.abort(run, 'cancel');
      } catch (err) {
        log?.warn({ err }, 'heartbeat failed');
      }
    };
    const timer = setInterval(() => void beat(), this.heartbeatIntervalMs);
    const base = { buildId: build.id, organizationId: build.organizationId };
    const ctx: BuildRunContext = {
      signal: run.controller.signal,
      workerId: this.workerId,
      attempt: build.attempts,
      heartbeat: beat,
      reportProgress: async (step, progress) => {
        if (await store.builds.updateProgress(build.id, step, progress)) {
          await delivery.reportProgress(progress);
          this.emit({ type: 'progress', ...base, step, progress });
        }
      },
      log: async (lines) => {
        const lastSeq = await store.logs.append(
          build.id,
          lines.map((l) => (typeof l === 'string' ? { message: l } : l)),
        );
        if (lastSeq !== undefined) this.emit({ type: 'log', ...base, lastSeq });
      },
    };

    try {
      const result = await this.options.runBuild(build, ctx);
      if (run.reason === undefined) return await this.succeed(build, result);
      return await this.settleAborted(build, run.reason);
    } catch (err) {
      if (run.reason !== undefined) return await this.settleAborted(build, run.reason);
      return await this.settleError(build, err);
    } finally {
      clearInterval(timer);
      this.running.delete(build.id);
    }
  }

  private async succeed(build: Build, result: BuildRunResult | undefined): Promise<JobOutcome> {
    const changed = await this.options.store.builds.transition(
      build.id,
      ['IN_PROGRESS'],
      'SUCCESS',
      {
        progress: 100,
        finishedAt: this.clock(),
        errorCode: null,
        errorMessage: null,
        ...(result?.timings === undefined ? {} : { timings: result.timings }),
        ...(result?.warnings === undefined ? {} : { warnings: result.warnings }),
      },
      { expectWorkerId: this.workerId },
    );
    this.recorded(build, changed, 'SUCCESS');
    return { kind: 'done' };
  }

  private async settleAborted(build: Build, reason: AbortReason): Promise<JobOutcome> {
    const { store } = this.options;
    const guard = { expectWorkerId: this.workerId };
    const now = this.clock();
    switch (reason) {
      case 'lost':
        this.options.logger?.warn({ buildId: build.id }, 'build taken over elsewhere; result discarded');
        return { kind: 'done' };
      case 'cancel': {
        const changed = await store.builds.transition(
          build.id,
          ['IN_PROGRESS'],
          'CANCELLED',
          {
            cancelledAt: now,
            finishedAt: now,
            errorCode: 'LBE_BUILD_CANCELLED',
            errorMessage: 'Cancelled while running',
          },
          guard,
        );
        this.recorded(build, changed, 'CANCELLED', 'LBE_BUILD_CANCELLED');
        return { kind: 'done' };
      }
      case 'shutdown': {
        const changed = await store.builds.transition(
          build.id,
          ['IN_PROGRESS'],
          'QUEUED',
          { workerId: null, heartbeatAt: null, queuedAt: now, attempts: build.attempts - 1, step: null },
          guard,
        );
        this.recorded(build, changed, 'QUEUED');
        return changed ? { kind: 'release' } : { kind: 'done' };
      }
    }
  }

  private async settleError(build: Build, err: unknown): Promise<JobOutcome> {
    const error = isLbeError(err)
      ? err
      : new LbeError('LBE_BUILD_STEP_FAILED', err instanceof Error ? err.message : String(err), {
          cause: err,
        });
    const willRetry = error.isRetryable && build.attempts < build.maxAttempts;
    this.options.logger?.warn(
      { buildId: build.id, err, code: error.code, attempt: build.attempts, willRetry },
      'build failed',
    );
    const patch = { errorCode: error.code, errorMessage: error.message };
    const guard = { expectWorkerId: this.workerId };
    if (willRetry) {
      const changed = await this.options.store.builds.transition(
        build.id,
        ['IN_PROGRESS'],
        'QUEUED',
        { ...patch, workerId: null, heartbeatAt: null, queuedAt: this.clock() },
        guard,
      );
      this.recorded(build, changed, 'QUEUED', error.code);
      return changed ? { kind: 'retry', error: error.message } : { kind: 'done' };
    }
    const changed = await this.options.store.builds.transition(
      build.id,
      ['IN_PROGRESS'],
      'FAILED',
      { ...patch, finishedAt: this.clock() },
      guard,
    );
    this.recorded(build, changed, 'FAILED', error.code);
    return changed ? { kind: 'fail', error: error.message } : { kind: 'done' };
  }

  private recorded(build: Build, changed: boolean, status: BuildStatus, errorCode?: string): void {
    if (!changed) {
      this.options.logger?.warn(
        { buildId: build.id, status },
        'build row moved under the worker; outcome not recorded',
      );
      return;
    }
    this.emit({
      type: 'status',
      buildId: build.id,
      organizationId: build.organizationId,
      status,
      ...(errorCode === undefined ? {} : { errorCode }),
    });
  }
}
