import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import { BullmqJobQueue } from './bullmq.queue.js';
import type { JobQueue, QueueDriver } from './job-queue.js';
import { LocalJobQueue } from './local.queue.js';

export interface JobQueueOptions {
  readonly driver: QueueDriver;
  /** Used by `local` (its table) — and kept for symmetry by `bullmq`, which does not need it. */
  readonly store: Store;
  /** Required by `bullmq`. */
  readonly redisUrl?: string | undefined;
  /** `bullmq`: Redis key prefix; `local`: queue name suffix. Give each test run its own. */
  readonly prefix?: string | undefined;
  /** Base of the exponential retry backoff (default 5000 ms). */
  readonly backoffMs?: number | undefined;
  /** How long until a dead worker's job is delivered again (local lease / BullMQ lock; default 30 s). */
  readonly leaseMs?: number | undefined;
  /** `local` only: idle poll period (default 1000 ms). */
  readonly pollIntervalMs?: number | undefined;
  readonly logger?: Logger | undefined;
}

/** Picks the driver. Config maps `QUEUE_DRIVER=auto` to `bullmq` when `REDIS_URL` is set, else `local`. */
export function createJobQueue(options: JobQueueOptions): JobQueue {
  switch (options.driver) {
    case 'local':
      return new LocalJobQueue({
        store: options.store,
        name: options.prefix === undefined ? 'builds' : `${options.prefix}:builds`,
        backoffMs: options.backoffMs,
        leaseMs: options.leaseMs,
        pollIntervalMs: options.pollIntervalMs,
        logger: options.logger,
      });
    case 'bullmq': {
      if (options.redisUrl === undefined) {
        throw new Error('the bullmq queue driver needs redisUrl');
      }
      const leaseMs = options.leaseMs ?? 30_000;
      return new BullmqJobQueue({
        redisUrl: options.redisUrl,
        prefix: options.prefix ?? 'lbe',
        backoffMs: options.backoffMs,
        lockDurationMs: leaseMs,
        stalledIntervalMs: leaseMs,
        logger: options.logger,
      });
    }
  }
}
