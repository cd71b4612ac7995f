import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { QueueJobCounts } from '../store/index.js';
import type {
  ConsumeOptions,
  EnqueueOptions,
  JobHandler,
  JobOutcome,
  JobQueue,
  QueueConsumer,
} from './job-queue.js';

export interface BullmqJobQueueOptions {
  /** `redis://…` or `rediss://…`. */
  readonly redisUrl: string;
  /** Queue name (default `builds`). */
  readonly name?: string;
  /** Redis key prefix (default `lbe`); give each test run its own. */
  readonly prefix?: string;
  /** Base of BullMQ's exponential retry backoff (default 5000 ms). */
  readonly backoffMs?: number;
  /** Lock held by a worker on an active job; a job whose worker died is re-delivered after it (default 30 s). */
  readonly lockDurationMs?: number;
  /** How often workers look for stalled jobs (default 30 s). */
  readonly stalledIntervalMs?: number;
  readonly logger?: Logger | undefined;
}

interface BuildJobData {
  readonly buildId: string;
}

const LIVE_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);
const REMOVABLE_STATES = new Set(['waiting', 'delayed', 'prioritized']);

/**
 * The distributed queue on Redis via BullMQ. One BullMQ job per build, with `jobId = buildId` so a live job
 * is never duplicated; jobs are removed on completion and on final failure so a build can be enqueued
 * again later. Retries use BullMQ's own attempts and exponential backoff; `fail` outcomes throw
 * `UnrecoverableError` so BullMQ does not retry them.
 * Owns its Redis connections: one for the queue, one per consumer (`maxRetriesPerRequest: null`, as
 * BullMQ workers require).
 */
export class BullmqJobQueue implements JobQueue {
  readonly driver = 'bullmq' as const;
  readonly name: string;
  readonly prefix: string;
  private readonly connection: Redis;
  private readonly queue: Queue<BuildJobData>;
  private readonly consumers = new Set<BullmqConsumer>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BullmqJobQueueOptions) {
    this.name = options.name ?? 'builds';
    this.prefix = options.prefix ?? 'lbe';
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', (err: unknown) => options.logger?.warn({ err }, 'bullmq: redis error'));
    this.queue = new Queue<BuildJobData>(this.name, { connection: this.connection, prefix: this.prefix });
    this.queue.on('error', (err: unknown) => options.logger?.warn({ err }, 'bullmq: queue error'));
  }

  async enqueue(buildId: string, options: EnqueueOptions = {}): Promise<boolean> {
    if (await this.isQueued(buildId)) return false;
    const job = await this.queue.add(
      'build',
      { buildId },
      {
        jobId: buildId,
        // BullMQ runs un-prioritised jobs first; always set one (1 = highest) so ordering is by priority.
        priority: Math.min(2_097_151, Math.max(0, options.priority ?? 0) + 1),
        attempts: Math.max(1, options.maxAttempts ?? 3),
        backoff: { type: 'exponential', delay: this.options.backoffMs ?? 5000 },
        delay: Math.max(0, options.delayMs ?? 0),
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
    return job.id === buildId;
  }

  async isQueued(buildId: string): Promise<boolean> {
    const job = await this.queue.getJob(buildId);
    if (job === undefined) return false;
    return LIVE_STATES.has(await job.getState());
  }

  async remove(buildId: string): Promise<boolean> {
    const job = await this.queue.getJob(buildId);
    if (job === undefined || !REMOVABLE_STATES.has(await job.getState())) return false;
    await job.remove();
    return true;
  }

  async counts(): Promise<QueueJobCounts> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      delayed: c.delayed ?? 0,
      active: c.active ?? 0,
    };
  }

  consume(handler: JobHandler, options: ConsumeOptions): QueueConsumer {
    const consumer = new BullmqConsumer(this.options, this.name, this.prefix, handler, options, () =>
      this.consumers.delete(consumer),
    );
    this.consumers.add(consumer);
    return consumer;
  }

  async drain(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const results = await Promise.allSettled([...this.consumers].map((c) => c.close()));
      await this.queue.close();
      await this.connection.quit().catch(() => {
        this.connection.disconnect();
      });
      const failed = results.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    })();
    return this.closing;
  }
}

class BullmqConsumer implements QueueConsumer {
  private readonly connection: Redis;
  private readonly worker: Worker<BuildJobData>;
  private closing: Promise<void> | undefined;

  constructor(
    queueOptions: BullmqJobQueueOptions,
    name: string,
    prefix: string,
    private readonly handler: JobHandler,
    options: ConsumeOptions,
    private readonly onClosed: () => void,
  ) {
    const logger = queueOptions.logger;
    this.connection = new Redis(queueOptions.redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', (err: unknown) => logger?.warn({ err }, 'bullmq: worker redis error'));
    this.worker = new Worker<BuildJobData>(name, (job, token) => this.process(job, token), {
      connection: this.connection,
      prefix,
      concurrency: Math.max(1, options.concurrency ?? 1),
      name: options.workerId,
      lockDuration: queueOptions.lockDurationMs ?? 30_000,
      stalledInterval: queueOptions.stalledIntervalMs ?? 30_000,
      maxStalledCount: 1,
    });
    this.worker.on('error', (err: unknown) => logger?.error({ err }, 'bullmq: worker error'));
    this.worker.on('failed', (job, err) =>
      logger?.warn({ buildId: job?.data.buildId, err }, 'bullmq: delivery failed'),
    );
  }

  private async process(job: Job<BuildJobData>, token: string | undefined): Promise<void> {
    let outcome: JobOutcome;
    try {
      outcome = await this.handler({
        buildId: job.data.buildId,
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? 1,
        reportProgress: (progress) => job.updateProgress(progress).catch(() => undefined),
      });
    } catch (err) {
      // Rethrown: BullMQ counts the attempt and retries with backoff; the 'failed' listener logs it.
      throw err instanceof Error ? err : new Error(String(err));
    }
    switch (outcome.kind) {
      case 'done':
        return;
      case 'retry':
        throw new Error(outcome.error);
      case 'fail':
        throw new UnrecoverableError(outcome.error);
      case 'release':
        // Back to the delayed set for "now", without counting an attempt (BullMQ's manual-delay idiom).
        await job.moveToDelayed(Date.now() + (outcome.delayMs ?? 0), token);
        throw new DelayedError();
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.worker.close();
      } finally {
        await this.connection.quit().catch(() => {
          this.connection.disconnect();
        });
        this.onClosed();
      }
    })();
    return this.closing;
  }
}
