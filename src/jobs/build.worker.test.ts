import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LbeError } from '../errors/index.js';
import type { Build, Organization } from '../store/index.js';
import { BuildWorker, type BuildWorkerEvent, type RunBuild } from './build.worker.js';
import { QUEUE_TARGETS, waitUntil, type OpenedQueue } from './testing/queue-targets.fixture.js';

/** Resolves when the signal aborts, rejecting with its reason (how a real step honours cancel). */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => {
      reject(signal.reason as Error);
    });
  });
}

describe.each(QUEUE_TARGETS)('build worker on $name', (target) => {
  let q: OpenedQueue;
  let org: Organization;
  const workers: BuildWorker[] = [];

  beforeEach(async () => {
    q = await target.open({ backoffMs: 50 });
    org = await q.store.organizations.create({ name: 'T', slug: 't' });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await q.cleanup();
  });

  function startWorker(runBuild: RunBuild, extra: { concurrency?: number; shutdownGraceMs?: number } = {}) {
    const events: BuildWorkerEvent[] = [];
    const worker = new BuildWorker({
      queue: q.queue,
      store: q.store,
      runBuild,
      heartbeatIntervalMs: 50,
      onEvent: (e) => events.push(e),
      ...extra,
    });
    workers.push(worker);
    worker.start();
    return { worker, events };
  }

  async function submit(maxAttempts = 3): Promise<Build> {
    const b = await q.store.builds.create({
      organizationId: org.id,
      name: 'b',
      spec: { base: 'debian' },
      maxAttempts,
    });
    await q.queue.enqueue(b.id, { maxAttempts });
    return b;
  }

  const statusOf = async (id: string) => (await q.store.builds.get(org.id, id))?.status;

  it('runs a build to SUCCESS with progress, logs, timings and events', async () => {
    const b = await submit();
    const { events } = startWorker(async (build, ctx) => {
      expect(build.status).toBe('IN_PROGRESS');
      await ctx.log(['starting', { message: 'pulling base', step: 'base', level: 'debug' }]);
      await ctx.reportProgress('base', 40);
      await sleep(120); // spans a couple of heartbeats
      await ctx.reportProgress('export', 90);
      return { timings: { base: 12, export: 3 }, warnings: ['no kernel'] };
    });
    await waitUntil(async () => (await statusOf(b.id)) === 'SUCCESS');
    const done = await q.store.builds.get(org.id, b.id);
    expect(done).toMatchObject({
      progress: 100,
      step: 'export',
      attempts: 1,
      timings: { base: 12, export: 3 },
    });
    expect(done?.warnings).toEqual(['no kernel']);
    expect(done?.finishedAt).toBeGreaterThanOrEqual(done!.startedAt!);
    const logs = await q.store.logs.list(org.id, b.id);
    expect(logs?.lines.map((l) => [l.seq, l.message, l.step])).toEqual([
      [1, 'starting', null],
      [2, 'pulling base', 'base'],
    ]);
    await waitUntil(() => events.some((e) => e.type === 'status' && e.status === 'SUCCESS'));
    const statuses = events.flatMap((e) => (e.type === 'status' ? [e.status] : []));
    expect(statuses).toEqual(['IN_PROGRESS', 'SUCCESS']);
    expect(events.some((e) => e.type === 'progress' && e.progress === 40)).toBe(true);
    await waitUntil(async () => !(await q.queue.isQueued(b.id)));
  });

  it('fails at once on a non-retryable error and on a plain Error', async () => {
    const userError = await submit();
    const plain = await submit();
    let calls = 0;
    startWorker((build) => {
      calls++;
      if (build.id === userError.id)
        throw new LbeError('LBE_BUILD_PACKAGES_FAILED', 'no such package: nginxx');
      throw new TypeError('undefined is not a function');
    });
    await waitUntil(
      async () => (await statusOf(userError.id)) === 'FAILED' && (await statusOf(plain.id)) === 'FAILED',
    );
    expect(await q.store.builds.get(org.id, userError.id)).toMatchObject({
      attempts: 1,
      errorCode: 'LBE_BUILD_PACKAGES_FAILED',
      errorMessage: 'no such package: nginxx',
    });
    expect(await q.store.builds.get(org.id, plain.id)).toMatchObject({
      attempts: 1,
      errorCode: 'LBE_BUILD_STEP_FAILED',
    });
    await sleep(300);
    expect(calls).toBe(2);
  });

  it('retries a retryable error with backoff, then succeeds; fails once attempts are spent', async () => {
    const flaky = await submit(3);
    const hopeless = await submit(2);
    const seen: string[] = [];
    startWorker((build, ctx) => {
      seen.push(`${build.id === flaky.id ? 'flaky' : 'hopeless'}#${ctx.attempt}`);
      if (build.id === flaky.id && ctx.attempt === 3) return Promise.resolve(undefined);
      throw new LbeError('LBE_BUILD_MIRROR_UNREACHABLE');
    });
    await waitUntil(
      async () => (await statusOf(flaky.id)) === 'SUCCESS' && (await statusOf(hopeless.id)) === 'FAILED',
    );
    expect(await q.store.builds.get(org.id, flaky.id)).toMatchObject({ attempts: 3, errorCode: null });
    expect(await q.store.builds.get(org.id, hopeless.id)).toMatchObject({
      attempts: 2,
      errorCode: 'LBE_BUILD_MIRROR_UNREACHABLE',
    });
    expect(seen.filter((s) => s.startsWith('flaky'))).toEqual(['flaky#1', 'flaky#2', 'flaky#3']);
    expect(seen.filter((s) => s.startsWith('hopeless'))).toEqual(['hopeless#1', 'hopeless#2']);
  });

  it('aborts a running build on cancel and records CANCELLED', async () => {
    const b = await submit();
    startWorker((_build, ctx) => untilAborted(ctx.signal));
    await waitUntil(async () => (await statusOf(b.id)) === 'IN_PROGRESS');
    expect(await q.store.builds.requestCancel(org.id, b.id)).toBe('cancel-requested');
    await waitUntil(async () => (await statusOf(b.id)) === 'CANCELLED', 3000);
    expect(await q.store.builds.get(org.id, b.id)).toMatchObject({ errorCode: 'LBE_BUILD_CANCELLED' });
  });

  it('drops deliveries for builds that are not QUEUED and respects concurrency', async () => {
    const cancelled = await submit();
    await q.store.builds.requestCancel(org.id, cancelled.id);
    const ids = [(await submit()).id, (await submit()).id, (await submit()).id, (await submit()).id];
    let running = 0;
    let peak = 0;
    const ran: string[] = [];
    startWorker(
      async (build) => {
        ran.push(build.id);
        running++;
        peak = Math.max(peak, running);
        await sleep(100);
        running--;
        return undefined;
      },
      { concurrency: 2 },
    );
    await waitUntil(async () => (await Promise.all(ids.map(statusOf))).every((s) => s === 'SUCCESS'));
    expect(peak).toBe(2);
    expect(ran).not.toContain(cancelled.id);
    expect(await statusOf(cancelled.id)).toBe('CANCELLED');
  });

  it('close() aborts builds after the grace period, puts them back to QUEUED, and another worker finishes them', async () => {
    const b = await submit();
    const first = startWorker((_build, ctx) => untilAborted(ctx.signal), { shutdownGraceMs: 100 });
    await waitUntil(async () => (await statusOf(b.id)) === 'IN_PROGRESS');
    await Promise.all([first.worker.close(), first.worker.close()]);
    expect(await q.store.builds.get(org.id, b.id)).toMatchObject({
      status: 'QUEUED',
      attempts: 0,
      workerId: null,
    });
    expect(await q.queue.isQueued(b.id)).toBe(true);
    startWorker(() => Promise.resolve(undefined));
    await waitUntil(async () => (await statusOf(b.id)) === 'SUCCESS');
    expect((await q.store.builds.get(org.id, b.id))?.attempts).toBe(1);
  });
});
