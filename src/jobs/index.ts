export {
  exponentialBackoffMs,
  type QueueDriver,
  type EnqueueOptions,
  type QueueDelivery,
  type JobOutcome,
  type JobHandler,
  type ConsumeOptions,
  type QueueConsumer,
  type JobQueue,
} from './job-queue.js';
export { createJobQueue, type JobQueueOptions } from './job-queue.factory.js';
export { LocalJobQueue, type LocalJobQueueOptions } from './local.queue.js';
export { BullmqJobQueue, type BullmqJobQueueOptions } from './bullmq.queue.js';
export {
  BuildWorker,
  type BuildWorkerOptions,
  type BuildRunContext,
  type BuildRunResult,
  type RunBuild,
  type BuildWorkerEvent,
} from './build.worker.js';
export { Reconciler, type ReconcilerOptions, type ReconcileReport } from './reconciler.js';
