import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobOutcome, QueueConsumer, QueueDelivery } from '../job-queue.js';
import { waitUntil, type OpenedQueue, type QueueTarget } from './queue-targets.fixture.js';

/**
 * The one conformance suite every JobQueue driver must pass; called from each driver's test file so the
 * drivers run in parallel. Test-only.
 */
export function describeJobQueueConformance(target: QueueTarget): void {
  describe(`job queue conformance: ${target.name}`, () => {
    let q: OpenedQueue;
    const consumers: QueueConsumer[] = [];
    beforeEach(async () => {
      q = await target.open({ backoffMs: 100 });
    });
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.close()));
      await q.cleanup();
    });

    /** Records deliveries; `decide` picks each outcome. */
    function consume(decide: (d: QueueDelivery) => JobOutcome | Promise<JobOutcome>, concurrency = 1) {
      const deliveries: { buildId: string; attempt: number; at: number }[] = [];
      consumers.push(
        q.queue.consume(
          async (d) => {
            deliveries.push({ buildId: d.buildId, attempt: d.attempt, at: Date.now() });
            return decide(d);
          },
          { concurrency, workerId: `w-${consumers.length}` },
        ),
      );
      return deliveries;
    }

    it('keeps one live message per build and removes waiting ones', async () => {
      expect(await q.queue.enqueue('b1')).toBe(true);
      expect(await q.queue.enqueue('b1', { priority: 3 })).toBe(false);
      expect(await q.queue.isQueued('b1')).toBe(true);
      expect(await q.queue.isQueued('b2')).toBe(false);
      await q.queue.enqueue('b2', { delayMs: 60_000 });
      expect(await q.queue.counts()).toEqual({ waiting: 1, delayed: 1, active: 0 });
      expect(await q.queue.remove('b1')).toBe(true);
      expect(await q.queue.remove('b1')).toBe(false);
      expect(await q.queue.remove('b2')).toBe(true);
      expect(await q.queue.isQueued('b1')).toBe(false);
      expect(await q.queue.counts()).toEqual({ waiting: 0, delayed: 0, active: 0 });
    });

    it('delivers in priority order, then the build can be enqueued again', async () => {
      await q.queue.enqueue('low', { priority: 9 });
      await q.queue.enqueue('high', { priority: 0 });
      await q.queue.enqueue('mid', { priority: 4 });
      const seen = consume(() => ({ kind: 'done' }));
      await waitUntil(() => seen.length === 3);
      expect(seen.map((d) => d.buildId)).toEqual(['high', 'mid', 'low']);
      await waitUntil(async () => !(await q.queue.isQueued('high')));
      expect(await q.queue.enqueue('high')).toBe(true);
      await waitUntil(() => seen.length === 4);
    });

    it('holds a delayed message until its time', async () => {
      const t0 = Date.now();
      await q.queue.enqueue('later', { delayMs: 400 });
      const seen = consume(() => ({ kind: 'done' }));
      await waitUntil(() => seen.length === 1);
      const [first] = seen.map((d) => d.at);
      expect((first ?? 0) - t0).toBeGreaterThanOrEqual(350);
    });

    it('retries with exponential backoff and succeeds', async () => {
      await q.queue.enqueue('flaky', { maxAttempts: 3 });
      const seen = consume((d) =>
        d.attempt < 3 ? { kind: 'retry', error: 'mirror down' } : { kind: 'done' },
      );
      await waitUntil(() => seen.length === 3);
      expect(seen.map((d) => d.attempt)).toEqual([1, 2, 3]);
      const [a = 0, b = 0, c = 0] = seen.map((d) => d.at);
      expect(b - a).toBeGreaterThanOrEqual(90);
      expect(c - b).toBeGreaterThanOrEqual(190);
      await waitUntil(async () => !(await q.queue.isQueued('flaky')));
    });

    it('gives up after maxAttempts, and never retries a fail outcome', async () => {
      await q.queue.enqueue('hopeless', { maxAttempts: 2 });
      await q.queue.enqueue('invalid', { maxAttempts: 3 });
      const seen = consume((d) =>
        d.buildId === 'invalid' ? { kind: 'fail', error: 'bad spec' } : { kind: 'retry', error: 'again' },
      );
      await waitUntil(
        async () => !(await q.queue.isQueued('hopeless')) && !(await q.queue.isQueued('invalid')),
      );
      await sleep(300);
      expect(seen.filter((d) => d.buildId === 'hopeless').map((d) => d.attempt)).toEqual([1, 2]);
      expect(seen.filter((d) => d.buildId === 'invalid')).toHaveLength(1);
    });

    it('treats a throwing handler as a retry', async () => {
      await q.queue.enqueue('throws', { maxAttempts: 2 });
      const seen = consume((d) => {
        if (d.attempt === 1) throw new Error('boom');
        return { kind: 'done' };
      });
      await waitUntil(() => seen.length === 2);
      expect(seen.map((d) => d.attempt)).toEqual([1, 2]);
    });

    it('puts a released message back without counting the attempt', async () => {
      await q.queue.enqueue('rel');
      const seen = consume(() => (seen.length === 1 ? { kind: 'release' } : { kind: 'done' }));
      await waitUntil(() => seen.length === 2);
      expect(seen.map((d) => d.attempt)).toEqual([1, 1]);
    });

    it('runs at most `concurrency` handlers at once', async () => {
      let running = 0;
      let peak = 0;
      for (let i = 0; i < 6; i++) await q.queue.enqueue(`c${i}`);
      const seen = consume(async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(150);
        running--;
        return { kind: 'done' };
      }, 3);
      await waitUntil(() => seen.length === 6 && running === 0);
      expect(peak).toBe(3);
    });

    it('never delivers one message to two consumers at once', async () => {
      const other = await q.openAnother();
      const total = 30;
      for (let i = 0; i < total; i++) await q.queue.enqueue(`j${i}`, { priority: i % 4 });
      const got: string[] = [];
      const handler = async (d: QueueDelivery): Promise<JobOutcome> => {
        got.push(d.buildId);
        await sleep(5);
        return { kind: 'done' };
      };
      consumers.push(q.queue.consume(handler, { concurrency: 3, workerId: 'a' }));
      consumers.push(other.consume(handler, { concurrency: 3, workerId: 'b' }));
      await waitUntil(() => got.length >= total, 10_000);
      await sleep(200);
      expect(got).toHaveLength(total);
      expect(new Set(got).size).toBe(total);
    });

    it('close() waits for running handlers, is idempotent, and stops deliveries', async () => {
      await q.queue.enqueue('slow');
      let finished = false;
      const seen = consume(async () => {
        await sleep(300);
        finished = true;
        return { kind: 'done' };
      });
      await waitUntil(() => seen.length === 1);
      const consumer = consumers.pop();
      await Promise.all([consumer?.close(), consumer?.close()]);
      expect(finished).toBe(true);
      await q.queue.enqueue('after');
      await sleep(200);
      expect(seen).toHaveLength(1);
      expect(await q.queue.isQueued('after')).toBe(true);
    });
  });
}
