import { createId } from '@paralleldrive/cuid2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { STORE_TARGETS, TestClock, type OpenedStore } from '../../src/store/testing/store-targets.fixture.js';

/**
 * The delivery queue in the store, as two dispatcher processes see it: claims never overlap, a webhook's
 * deliveries go out oldest first and one at a time, an expired lease is taken over, and the
 * auto-disable fails what is still pending.
 */
describe.each(STORE_TARGETS)('webhook delivery claims on $name', (target) => {
  const clock = new TestClock();
  let opened: OpenedStore;
  let a: Store;
  let b: Store;
  let orgId: string;

  beforeAll(async () => {
    opened = await target.open({ clock: clock.read });
    a = opened.store;
    b = await opened.openAnother();
    orgId = (await a.organizations.create({ name: 'Hooks', slug: `hooks-${createId()}` })).id;
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  const hook = (format: 'json' | 'slack' = 'json') =>
    a.webhooks.create(orgId, {
      url: 'https://example.com/h',
      secret: 's',
      events: ['build.started'],
      format,
    });

  it('gives each due delivery to one dispatcher only, oldest per webhook first', async () => {
    const w1 = await hook();
    const w2 = await hook('slack');
    const first = await a.webhooks.enqueueDelivery(w1.id, 'build.started', '{"n":1}');
    const second = await a.webhooks.enqueueDelivery(w1.id, 'build.completed', '{"n":2}');
    const other = await b.webhooks.enqueueDelivery(w2.id, 'build.started', '{"n":3}');
    expect(second.createdAt).toBeGreaterThan(first.createdAt);

    const [claimsA, claimsB] = await Promise.all([
      a.webhooks.claimDueDeliveries(10, 60_000),
      b.webhooks.claimDueDeliveries(10, 60_000),
    ]);
    const ids = [...claimsA, ...claimsB].map((c) => c.delivery.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([first.id, other.id].sort());
    expect([...claimsA, ...claimsB].find((c) => c.delivery.id === other.id)?.webhook).toMatchObject({
      id: w2.id,
      organizationId: orgId,
      format: 'slack',
      secret: 's',
    });
    // Claimed: nobody gets them again before the lease ends; the second of w1 waits for the first.
    expect(await b.webhooks.claimDueDeliveries(10, 60_000)).toEqual([]);

    // A crashed dispatcher: after the lease, the delivery is taken over.
    clock.advance(60_001);
    const takeover = await b.webhooks.claimDueDeliveries(10, 60_000);
    expect(takeover.map((c) => c.delivery.id).sort()).toEqual([first.id, other.id].sort());

    await a.webhooks.recordDeliveryAttempt(first.id, {
      status: 'delivered',
      responseStatus: 204,
      nextAttemptAt: null,
      durationMs: 12,
    });
    const next = await a.webhooks.claimDueDeliveries(10, 60_000);
    expect(next.map((c) => c.delivery.id)).toEqual([second.id]);
    const attempts = await a.webhooks.listAttempts(orgId, w1.id, [first.id]);
    expect(attempts?.map((x) => [x.attempt, x.responseStatus, x.durationMs, x.error])).toEqual([
      [1, 204, 12, null],
    ]);
    expect(await a.webhooks.listAttempts(`${orgId}-other`, w1.id, [first.id])).toBeUndefined();
  });

  it('disables the webhook at the threshold and fails its pending deliveries', async () => {
    const w = await hook();
    const d1 = await a.webhooks.enqueueDelivery(w.id, 'build.started', '{}');
    const d2 = await a.webhooks.enqueueDelivery(w.id, 'build.failed', '{}');
    const results = [];
    for (let i = 0; i < 3; i++) {
      results.push(
        await a.webhooks.recordDeliveryAttempt(d1.id, {
          status: 'pending',
          responseStatus: 500,
          nextAttemptAt: clock.now,
          error: 'HTTP 500',
          disableAfterFailures: 3,
        }),
      );
    }
    expect(results).toEqual([
      { failureCount: 1, disabled: false },
      { failureCount: 2, disabled: false },
      { failureCount: 3, disabled: true },
    ]);
    const after = await a.webhooks.get(orgId, w.id);
    expect(after).toMatchObject({ isActive: false, disabledAt: clock.now });
    const log = await a.webhooks.listDeliveries(orgId, w.id);
    expect(log?.map((d) => [d.id, d.status])).toEqual([
      [d2.id, 'failed'],
      [d1.id, 'failed'],
    ]);
    expect(log?.[0]?.lastError).toContain('disabled after 3 consecutive failed attempts');
    expect((await a.webhooks.claimDueDeliveries(10, 1000)).map((c) => c.webhook.id)).not.toContain(w.id);
    const enabled = await a.webhooks.update(orgId, w.id, { isActive: true });
    expect(enabled).toMatchObject({ isActive: true, failureCount: 0, disabledAt: null });
  });
});
