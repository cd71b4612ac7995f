import type { QueueJobCounts } from '../store/index.js';

/**
 * The queue is transport only: a message says "build X may need running". The build row is the truth,
 * so handlers must be idempotent (a message can be delivered twice, or for a build that is no longer
 * QUEUED), and a lost message is repaired by the reconciler, which re-enqueues QUEUED builds.
 *
 * Both drivers (`local`, `bullmq`) keep at most one live message per build: enqueueing a build that is
 * already waiting, delayed or active is a no-op.
 */
export type QueueDriver = 'local' | 'bullmq';

export interface EnqueueOptions {
  /** Lower runs first (default 0). */
  readonly priority?: number;
  /** Deliveries before the queue gives up on a message that keeps asking for `retry` (default 3). */
  readonly maxAttempts?: number;
  /** Not delivered before this many milliseconds from now (default 0). */
  readonly delayMs?: number;
}

/** One delivery of a message to a handler. */
export interface QueueDelivery {
  readonly buildId: string;
  /** 1 for the first delivery, then 2, 3, … (a delivery whose worker died counts too). */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Mirrors progress into the queue's own view (BullMQ dashboards); best effort, never throws. */
  reportProgress(progress: number): Promise<void>;
}

/**
 * What the handler decided. The queue acts on it:
 * - `done`: the message is removed (success, or nothing left to do);
 * - `retry`: redelivered after exponential backoff, unless `maxAttempts` is spent (then removed);
 * - `fail`: removed now, no retry (the error's class said so);
 * - `release`: put back without counting the attempt (the worker is shutting down, or the build must wait
 *   for a slot: then it is not delivered again for `delayMs`, default 0).
 * A handler that throws is treated as `retry` and the error is logged — never swallowed silently.
 */
export type JobOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry'; readonly error: string }
  | { readonly kind: 'fail'; readonly error: string }
  | { readonly kind: 'release'; readonly delayMs?: number };

export type JobHandler = (delivery: QueueDelivery) => Promise<JobOutcome>;

export interface ConsumeOptions {
  /** Handlers running at once (default 1). */
  readonly concurrency?: number;
  /** Identifies the consumer in the queue's records and logs. */
  readonly workerId: string;
}

export interface QueueConsumer {
  /** Stops taking new messages and resolves once every running handler has settled. Idempotent. */
  close(): Promise<void>;
}

export interface JobQueue {
  readonly driver: QueueDriver;
  /** Adds a message for the build; resolves false (and changes nothing) when one is already live. */
  enqueue(buildId: string, options?: EnqueueOptions): Promise<boolean>;
  /** True while the build has a waiting, delayed or active message. */
  isQueued(buildId: string): Promise<boolean>;
  /** Removes a waiting or delayed message; false when absent or already running. */
  remove(buildId: string): Promise<boolean>;
  counts(): Promise<QueueJobCounts>;
  /** Starts delivering messages to `handler`; the consumer must be closed before the queue. */
  consume(handler: JobHandler, options: ConsumeOptions): QueueConsumer;
  /** Deletes every message of this queue (tests, operator tooling). */
  drain(): Promise<void>;
  /** Closes consumers it created and its connections. Idempotent. */
  close(): Promise<void>;
}

/** Retry n (n ≥ 1) waits `baseMs · 2^(n-1)`, capped at one hour. */
export function exponentialBackoffMs(baseMs: number, attempt: number): number {
  return Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempt - 1));
}
