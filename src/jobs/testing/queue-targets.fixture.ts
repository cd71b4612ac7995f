import { createId } from '@paralleldrive/cuid2';
import type { Store } from '../../store/index.js';
import { postgresTarget, sqliteTarget, type OpenedStore } from '../../store/testing/store-targets.fixture.js';
import type { JobQueue } from '../job-queue.js';
import { createJobQueue } from '../job-queue.factory.js';

/**
 * Test fixture: each queue driver on a fresh database (and, for BullMQ, a fresh Redis prefix).
 * `cleanup()` drains the queue, closes it and drops the database. Test-only.
 */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export interface OpenedQueue {
  readonly queue: JobQueue;
  readonly store: Store;
  readonly opened: OpenedStore;
  readonly prefix: string;
  /** Another queue object on the same transport, as a second process would have. */
  openAnother(): Promise<JobQueue>;
  cleanup(): Promise<void>;
}

export interface QueueTarget {
  readonly name: string;
  open(options?: { backoffMs?: number; leaseMs?: number }): Promise<OpenedQueue>;
}

function target(name: string, driver: 'local' | 'bullmq', db: typeof sqliteTarget): QueueTarget {
  return {
    name,
    async open(options = {}) {
      const opened = await db.open();
      const prefix = `lbe-test-${createId()}`;
      const queues: JobQueue[] = [];
      const make = async (): Promise<JobQueue> => {
        const store = db.name === 'postgres' && queues.length > 0 ? await opened.openAnother() : opened.store;
        const q = createJobQueue({
          driver,
          store,
          redisUrl: TEST_REDIS_URL,
          prefix,
          backoffMs: options.backoffMs ?? 100,
          leaseMs: options.leaseMs ?? 5000,
          pollIntervalMs: 50,
        });
        queues.push(q);
        return q;
      };
      const queue = await make();
      return {
        queue,
        store: opened.store,
        opened,
        prefix,
        openAnother: make,
        async cleanup() {
          await queue.drain();
          for (const q of queues.reverse()) await q.close();
          await opened.cleanup();
        },
      };
    },
  };
}

export const QUEUE_TARGETS: readonly QueueTarget[] = [
  target('local on sqlite', 'local', sqliteTarget),
  target('local on postgres', 'local', postgresTarget),
  target('bullmq on redis', 'bullmq', sqliteTarget),
];

/** Polls `probe` every 20 ms until it returns true; rejects after `timeoutMs`. */
export async function waitUntil(probe: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
