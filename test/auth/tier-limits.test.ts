import { createId } from '@paralleldrive/cuid2';
import { afterEach, describe, expect, it } from 'vitest';
import { BuildPolicy } from '../../src/auth/build-policy.js';
import { TIER_QUEUE_PRIORITY } from '../../src/auth/tier-limits.js';
import { BuildWorker, createJobQueue } from '../../src/jobs/index.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import { STORE_TARGETS, type OpenedStore } from '../../src/store/testing/store-targets.fixture.js';

describe.each(STORE_TARGETS)('tier limits on $name', (target) => {
  let opened: OpenedStore | undefined;
  let queue: JobQueue | undefined;
  let worker: BuildWorker | undefined;

  afterEach(async () => {
    await worker?.close();
    await queue?.close();
    await opened?.cleanup();
    worker = undefined;
    queue = undefined;
    opened = undefined;
  });

  it('gives queue priority by tier (free 10 … enterprise 1)', async () => {
    opened = await target.open();
    const { store } = opened;
    const policy = new BuildPolicy(store);
    for (const tier of ['free', 'basic', 'pro', 'enterprise'] as const) {
      const org = await store.organizations.create({ name: tier, slug: `${tier}-${createId()}`, tier });
      expect(await policy.admit({ tenantId: org.id, scopes: [], method: 'env-key' })).toEqual({
        priority: TIER_QUEUE_PRIORITY[tier],
      });
    }
    expect(TIER_QUEUE_PRIORITY).toEqual({ free: 10, basic: 5, pro: 3, enterprise: 1 });
  });

  it('runs one build at a time for a free organization; the others wait in the queue and run later', async () => {
    opened = await target.open();
    const { store } = opened;
    const free = await store.organizations.create({ name: 'Free', slug: `free-${createId()}`, tier: 'free' });
    const policy = new BuildPolicy(store);
    queue = createJobQueue({ driver: 'local', store, prefix: `tier${createId()}`, pollIntervalMs: 50 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const b = await store.builds.create({
        organizationId: free.id,
        name: `b${String(i)}`,
        spec: {},
        status: 'QUEUED',
      });
      ids.push(b.id);
      await queue.enqueue(b.id, { priority: TIER_QUEUE_PRIORITY.free });
    }
    let running = 0;
    let maxRunning = 0;
    const finished: string[] = [];
    worker = new BuildWorker({
      queue,
      store,
      concurrency: 3,
      heartbeatIntervalMs: 200,
      waitBeforeStart: async (build) =>
        (await policy.waitBeforeStart(build)) === undefined ? undefined : 100,
      runBuild: async (build) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 300));
        running -= 1;
        finished.push(build.id);
        return undefined;
      },
    });
    worker.start();
    const deadline = Date.now() + 20_000;
    while (finished.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(finished.sort()).toEqual([...ids].sort());
    expect(maxRunning).toBe(1);
    for (const id of ids) expect((await store.builds.get(free.id, id))?.status).toBe('SUCCESS');
  });
});
