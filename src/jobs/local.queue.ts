import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { QueueJob, QueueJobCounts, Store } from '../store/index.js';
import {
  exponentialBackoffMs,
  type ConsumeOptions,
  type EnqueueOptions,
  type JobHandler,
  type JobOutcome,
  type JobQueue,
  type QueueConsumer,
} from './job-queue.js';

export interface LocalJobQueueOptions {
  readonly store: Store;
  /** Queue name; lets several queues (or test runs) share one `queue_jobs` table. Default `builds`. */
  readonly name?: string;
  /** Base of the exponential retry backoff (default 5000 ms). */
  readonly backoffMs?: number;
  /** How long a claim holds a job without renewal; a dead worker's job is re-delivered after it (default 30 s). */
  readonly leaseMs?: number;
  /** Idle poll period, for jobs added by other processes (default 1000 ms). */
  readonly pollIntervalMs?: number;
  readonly logger?: Logger | undefined;
}

/**
 * The embedded queue, stored in the database's `queue_jobs` table, so it survives restarts and can be
 * shared by several processes on one SQLite file or PostgreSQL database. Claims are atomic compare-and-set
 * updates (see `QueueJobsRepository.claim`); a running job's lease is renewed every `leaseMs / 3`.
 * The store is borrowed: closing the queue does not close it.
 */
export class LocalJobQueue implements JobQueue {
  readonly driver = 'local' as const;
  readonly name: string;
  private readonly backoffMs: number;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly wake = new EventEmitter();
  private readonly consumers = new Set<LocalConsumer>();

  constructor(private readonly options: LocalJobQueueOptions) {
    this.name = options.name ?? 'builds';
    this.backoffMs = options.backoffMs ?? 5000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.wake.setMaxListeners(0);
  }

  async enqueue(buildId: string, options: EnqueueOptions = {}): Promise<boolean> {
    const added = await this.options.store.queueJobs.enqueue(this.name, buildId, {
      priority: options.priority ?? 0,
      maxAttempts: options.maxAttempts ?? 3,
      backoffMs: this.backoffMs,
      delayMs: options.delayMs ?? 0,
    });
    if (added) this.wake.emit('job');
    return added;
  }

  async isQueued(buildId: string): Promise<boolean> {
    return (await this.options.store.queueJobs.get(this.name, buildId)) !== undefined;
  }

  remove(buildId: string): Promise<boolean> {
    return this.options.store.queueJobs.removeWaiting(this.name, buildId);
  }

  counts(): Promise<QueueJobCounts> {
    return this.options.store.queueJobs.counts(this.name);
  }

  consume(handler: JobHandler, options: ConsumeOptions): QueueConsumer {
    const consumer = new LocalConsumer(this, handler, options, () => this.consumers.delete(consumer));
    this.consumers.add(consumer);
    return consumer;
  }

  async drain(): Promise<void> {
    await this.options.store.queueJobs.drain(this.name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close()));
  }

  /** @internal used by LocalConsumer */
  get internals() {
    return {
      store: this.options.store,
      logger: this.options.logger,
      leaseMs: this.leaseMs,
      pollIntervalMs: this.pollIntervalMs,
      wake: this.wake,
    };
  }
}

class LocalConsumer implements QueueConsumer {
  private readonly running = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private readonly loop: Promise<void>;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly queue: LocalJobQueue,
    private readonly handler: JobHandler,
    private readonly options: ConsumeOptions,
    private readonly onClosed: () => void,
  ) {
    this.loop = this.run();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      await this.loop;
      await Promise.allSettled([...this.running]);
      this.onClosed();
    })();
    return this.closing;
  }

  private isStopping(): boolean {
    return this.stop.signal.aborted;
  }

  private async run(): Promise<void> {
    const { store, logger, leaseMs, pollIntervalMs, wake } = this.queue.internals;
    const concurrency = Math.max(1, this.options.concurrency ?? 1);
    const signal = this.stop.signal;
    while (!signal.aborted) {
      if (this.running.size < concurrency) {
        let job: QueueJob | undefined;
        try {
          job = await store.queueJobs.claim(this.queue.name, this.options.workerId, leaseMs);
        } catch (err) {
          logger?.error({ err }, 'local queue: claim failed');
        }
        if (job !== undefined) {
          if (this.isStopping()) {
            // Claimed while closing: hand it straight back, uncounted.
            await store.queueJobs
              .reschedule(this.queue.name, job.buildId, job.token ?? '', { delayMs: 0, refundAttempt: true })
              .catch((err: unknown) => logger?.error({ err }, 'local queue: release on close failed'));
            break;
          }
          const task = this.process(job).finally(() => {
            this.running.delete(task);
            wake.emit('slot');
          });
          this.running.add(task);
          continue;
        }
      }
      await Promise.race([
        sleep(pollIntervalMs, undefined, { signal }).catch(() => undefined),
        once(wake, this.running.size < concurrency ? 'job' : 'slot', { signal }).catch(() => undefined),
      ]);
    }
  }

  private async process(job: QueueJob): Promise<void> {
    const { store, logger, leaseMs } = this.queue.internals;
    const token = job.token ?? '';
    const log = logger?.child({ buildId: job.buildId, attempt: job.attemptsMade });
    const renew = setInterval(
      () => {
        store.queueJobs.extendLease(this.queue.name, job.buildId, token, leaseMs).then(
          (held) => {
            if (!held) log?.warn('local queue: lease lost while the job was running');
          },
          (err: unknown) => log?.error({ err }, 'local queue: lease renewal failed'),
        );
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );

    let outcome: JobOutcome;
    try {
      outcome = await this.handler({
        buildId: job.buildId,
        attempt: job.attemptsMade,
        maxAttempts: job.maxAttempts,
        reportProgress: () => Promise.resolve(),
      });
    } catch (err) {
      log?.error({ err }, 'local queue: handler threw; retrying with backoff');
      outcome = { kind: 'retry', error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearInterval(renew);
    }

    try {
      await this.settle(job, token, outcome);
    } catch (err) {
      // The lease will expire and the job be re-delivered; the handler is idempotent.
      log?.error({ err, outcome: outcome.kind }, 'local queue: recording the outcome failed');
    }
  }

  private async settle(job: QueueJob, token: string, outcome: JobOutcome): Promise<void> {
    const { store, logger } = this.queue.internals;
    const q = this.queue.name;
    switch (outcome.kind) {
      case 'done':
      case 'fail':
        await store.queueJobs.finish(q, job.buildId, token);
        return;
      case 'release':
        await store.queueJobs.reschedule(q, job.buildId, token, {
          delayMs: outcome.delayMs ?? 0,
          refundAttempt: true,
        });
        this.queue.internals.wake.emit('job');
        return;
      case 'retry':
        if (job.attemptsMade >= job.maxAttempts) {
          logger?.warn(
            { buildId: job.buildId, attempts: job.attemptsMade, error: outcome.error },
            'local queue: attempts exhausted; dropping the message',
          );
          await store.queueJobs.finish(q, job.buildId, token);
          return;
        }
        await store.queueJobs.reschedule(q, job.buildId, token, {
          delayMs: exponentialBackoffMs(job.backoffMs, job.attemptsMade),
          error: outcome.error,
        });
        return;
    }
  }
}
