import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Organization } from '../store/index.js';
import { BuildWorker } from './build.worker.js';
import { Reconciler } from './reconciler.js';
import { QUEUE_TARGETS, waitUntil, type OpenedQueue } from './testing/queue-targets.fixture.js';

describe.each(QUEUE_TARGETS)('reconciler on $name', (target) => {
  let q: OpenedQueue;
  let org: Organization;
  beforeEach(async () => {
    q = await target.open();
    org = await q.store.organizations.create({ name: 'R', slug: 'r' });
  });
  afterEach(async () => {
    await q.cleanup();
  });

  const later = (ms: number) => () => Date.now() + ms;

  it('enqueues QUEUED builds that lost their message, once', async () => {
    const lost = await q.store.builds.create({ organizationId: org.id, name: 'lost', spec: {}, priority: 2 });
    const fine = await q.store.builds.create({ organizationId: org.id, name: 'fine', spec: {} });
    await q.queue.enqueue(fine.id);
    const reconciler = new Reconciler({ store: q.store, queue: q.queue });
    expect((await reconciler.reconcileOnce()).requeued).toEqual([lost.id]);
    expect(await q.queue.isQueued(lost.id)).toBe(true);
    expect((await reconciler.reconcileOnce()).requeued).toEqual([]);
  });

  it('retries, fails or cancels stale IN_PROGRESS builds, and leaves live ones alone', async () => {
    const mk = async (name: string, maxAttempts = 3) => {
      const b = await q.store.builds.create({ organizationId: org.id, name, spec: {}, maxAttempts });
      await q.store.builds.claimForWorker(b.id, 'dead-worker');
      return b;
    };
    const retry = await mk('retry');
    const exhausted = await mk('exhausted', 1);
    const cancel = await mk('cancel');
    await q.store.builds.requestCancel(org.id, cancel.id);
    const reconciler = new Reconciler({
      store: q.store,
      queue: q.queue,
      staleAfterMs: 60_000,
      clock: later(61_000),
    });
    const live = await mk('live');

    const fresh = new Reconciler({ store: q.store, queue: q.queue, staleAfterMs: 60_000 });
    expect(await fresh.reconcileOnce()).toEqual({ requeued: [], retried: [], failed: [], cancelled: [] });

    const report = await reconciler.reconcileOnce();
    expect(report.retried).toContain(retry.id);
    expect(report.failed).toEqual([exhausted.id]);
    expect(report.cancelled).toEqual([cancel.id]);
    expect(report.retried).toContain(live.id); // 61 s later it is stale too
    expect(await q.store.builds.get(org.id, retry.id)).toMatchObject({
      status: 'QUEUED',
      attempts: 1,
      workerId: null,
      errorCode: 'LBE_WORKER_LOST',
    });
    expect(await q.store.builds.get(org.id, exhausted.id)).toMatchObject({
      status: 'FAILED',
      errorCode: 'LBE_WORKER_LOST',
    });
    expect((await q.store.builds.get(org.id, cancel.id))?.status).toBe('CANCELLED');
    expect(await q.queue.isQueued(retry.id)).toBe(true);

    // the re-enqueued build runs on a healthy worker
    const worker = new BuildWorker({
      queue: q.queue,
      store: q.store,
      runBuild: () => Promise.resolve(undefined),
    });
    worker.start();
    try {
      await waitUntil(async () => (await q.store.builds.get(org.id, retry.id))?.status === 'SUCCESS');
      expect((await q.store.builds.get(org.id, retry.id))?.attempts).toBe(2);
    } finally {
      await worker.close();
    }
  });

  it('start() runs passes on an interval and close() is idempotent', async () => {
    const reconciler = new Reconciler({ store: q.store, queue: q.queue, intervalMs: 50 });
    reconciler.start();
    const b = await q.store.builds.create({ organizationId: org.id, name: 'x', spec: {} });
    await waitUntil(() => q.queue.isQueued(b.id));
    await Promise.all([reconciler.close(), reconciler.close()]);
  });
});
