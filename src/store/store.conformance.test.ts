import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapDefaultOrganization, createStore, type Organization, type Store } from './index.js';
import { STORE_TARGETS, TestClock, type OpenedStore } from './testing/store-targets.fixture.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(STORE_TARGETS)('store conformance on $name', (target) => {
  const clock = new TestClock();
  let opened: OpenedStore;
  let store: Store;
  let orgA: Organization;
  let orgB: Organization;
  let n = 0;
  const slug = (p: string) => `${p}-${++n}`;

  beforeAll(async () => {
    opened = await target.open({ clock: clock.read });
    store = opened.store;
    orgA = await store.organizations.create({ name: 'A', slug: slug('a') });
    orgB = await store.organizations.create({ name: 'B', slug: slug('b'), tier: 'pro', buildQuota: 50 });
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  it('reports its dialect, answers ping, and migrating twice applies nothing', async () => {
    expect(store.dialect).toBe(target.name);
    await store.ping();
    expect(await store.migrate()).toEqual([]);
  });

  it('close() is idempotent and ping fails afterwards with LBE_STORE_UNAVAILABLE', async () => {
    const other = createStore({ ...opened.connection });
    await other.ping();
    await Promise.all([other.close(), other.close()]);
    await other.close();
    await expect(other.ping()).rejects.toMatchObject({ code: 'LBE_STORE_UNAVAILABLE' });
  });

  describe('organizations and members', () => {
    it('applies defaults and rejects a duplicate slug', async () => {
      expect(orgA).toMatchObject({ tier: 'free', buildQuota: null, storageQuotaBytes: 10 * 1024 ** 3 });
      expect(orgB).toMatchObject({ tier: 'pro', buildQuota: 50 });
      await expect(store.organizations.create({ name: 'dup', slug: orgA.slug })).rejects.toThrow();
      expect((await store.organizations.getBySlug(orgA.slug))?.id).toBe(orgA.id);
    });

    it('bootstraps the default organization once, even when called concurrently', async () => {
      const [a, b] = await Promise.all([
        bootstrapDefaultOrganization(store),
        bootstrapDefaultOrganization(store),
      ]);
      const c = await bootstrapDefaultOrganization(store);
      expect(a.slug).toBe('default');
      expect(b.id).toBe(a.id);
      expect(c.id).toBe(a.id);
    });

    it('keeps member emails unique per organization only', async () => {
      const m = await store.members.add(orgA.id, { email: 'Ann@Example.com', role: 'owner' });
      expect(m.email).toBe('ann@example.com');
      await expect(
        store.members.add(orgA.id, { email: 'ann@example.com', role: 'member' }),
      ).rejects.toThrow();
      await store.members.add(orgB.id, { email: 'ann@example.com', role: 'member' });
      expect((await store.members.list(orgA.id)).map((x) => x.role)).toEqual(['owner']);
      expect(await store.members.remove(orgB.id, m.id)).toBe(false);
      expect(await store.members.remove(orgA.id, m.id)).toBe(true);
    });
  });

  describe('api keys', () => {
    it('finds a usable key by hash, hides it from other tenants, and stops finding it once revoked', async () => {
      const raw = `lbe_${'x'.repeat(40)}`;
      const key = await store.apiKeys.create(orgA.id, {
        name: 'ci',
        prefix: raw,
        keyHash: sha(raw),
        scopes: ['builds:write', 'builds:read'],
      });
      expect(key).toMatchObject({ prefix: raw.slice(0, 12), rateLimit: 100, isActive: true, totalBuilds: 0 });
      expect(key.scopes).toEqual(['builds:write', 'builds:read']);
      expect((await store.apiKeys.findUsableByHashForAuth(sha(raw)))?.id).toBe(key.id);
      expect(await store.apiKeys.get(orgB.id, key.id)).toBeUndefined();
      expect(await store.apiKeys.list(orgB.id)).toEqual([]);
      await store.apiKeys.incrementTotalBuilds(orgB.id, key.id);
      await store.apiKeys.incrementTotalBuilds(orgA.id, key.id);
      expect((await store.apiKeys.get(orgA.id, key.id))?.totalBuilds).toBe(1);
      expect(await store.apiKeys.revoke(orgB.id, key.id)).toBe(false);
      expect(await store.apiKeys.revoke(orgA.id, key.id)).toBe(true);
      expect(await store.apiKeys.revoke(orgA.id, key.id)).toBe(false);
      expect(await store.apiKeys.findUsableByHashForAuth(sha(raw))).toBeUndefined();
    });

    it('rejects a duplicate hash and ignores expired keys', async () => {
      const raw = 'lbe_expiring_key_0123456789';
      await store.apiKeys.create(orgA.id, {
        name: 'old',
        prefix: raw,
        keyHash: sha(raw),
        scopes: [],
        expiresAt: clock.now + 1000,
      });
      await expect(
        store.apiKeys.create(orgB.id, { name: 'dup', prefix: raw, keyHash: sha(raw), scopes: [] }),
      ).rejects.toThrow();
      expect(await store.apiKeys.findUsableByHashForAuth(sha(raw))).toBeDefined();
      clock.advance(1001);
      expect(await store.apiKeys.findUsableByHashForAuth(sha(raw))).toBeUndefined();
    });
  });

  describe('builds', () => {
    it('round-trips every field and hides the build from another tenant', async () => {
      const spec = { base: 'debian:bookworm', packages: ['curl'], nested: { a: [1, 2] } };
      const b = await store.builds.create({
        organizationId: orgA.id,
        name: 'web',
        spec,
        planHash: 'p1',
        buildKey: 'k1',
        warnings: ['w1'],
        base: 'debian',
        architecture: 'amd64',
        priority: 5,
      });
      expect(b.id).toMatch(/^[a-z0-9]{20,}$/);
      const got = await store.builds.get(orgA.id, b.id);
      expect(got).toEqual(b);
      expect(got).toMatchObject({
        status: 'QUEUED',
        spec,
        warnings: ['w1'],
        timings: {},
        attempts: 0,
        maxAttempts: 3,
        priority: 5,
        queuedAt: clock.now,
      });
      expect(await store.builds.get(orgB.id, b.id)).toBeUndefined();
      expect(await store.builds.requestCancel(orgB.id, b.id)).toBe('not-found');
      expect((await store.builds.getForWorker(b.id))?.organizationId).toBe(orgA.id);
    });

    it('paginates with an opaque cursor: every row exactly once, newest first, even with equal timestamps', async () => {
      const org = await store.organizations.create({ name: 'P', slug: slug('p') });
      const ids: string[] = [];
      for (let i = 0; i < 23; i++) {
        if (i % 4 === 0) clock.advance(1); // groups of rows share a createdAt
        ids.push((await store.builds.create({ organizationId: org.id, name: `b${i}`, spec: {} })).id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.builds.list(org.id, { cursor, limit: 5 });
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.items.map((b) => b.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      expect(pages).toBe(5);
      expect(new Set(seen).size).toBe(23);
      expect([...seen].sort()).toEqual([...ids].sort());
      const all = await store.builds.list(org.id, { limit: 100 });
      expect(all.items.map((b) => b.id)).toEqual(seen);
      for (let i = 1; i < all.items.length; i++) {
        const [prev, cur] = [all.items[i - 1]!, all.items[i]!];
        expect(prev.createdAt > cur.createdAt || (prev.createdAt === cur.createdAt && prev.id > cur.id)).toBe(
          true,
        );
      }
      expect((await store.builds.list(orgB.id, { limit: 100 })).items.some((b) => ids.includes(b.id))).toBe(
        false,
      );
      expect((await store.builds.list(org.id, { cursor: 'garbage!', limit: 3 })).items).toHaveLength(3);
    });

    it('filters the listing by status', async () => {
      const org = await store.organizations.create({ name: 'S', slug: slug('s') });
      await store.builds.create({ organizationId: org.id, name: 'q', spec: {} });
      await store.builds.create({ organizationId: org.id, name: 'p', spec: {}, status: 'PENDING' });
      const page = await store.builds.list(org.id, { status: 'PENDING' });
      expect(page.items.map((b) => b.name)).toEqual(['p']);
    });

    it('transition is a compare-and-set that refuses the wrong from-state or worker', async () => {
      const b = await store.builds.create({ organizationId: orgA.id, name: 'cas', spec: {} });
      expect(await store.builds.transition(b.id, ['IN_PROGRESS'], 'SUCCESS')).toBe(false);
      expect(await store.builds.transition(b.id, [], 'SUCCESS')).toBe(false);
      const claimed = await store.builds.claimForWorker(b.id, 'w1');
      expect(claimed).toMatchObject({
        status: 'IN_PROGRESS',
        workerId: 'w1',
        attempts: 1,
        heartbeatAt: clock.now,
      });
      expect(await store.builds.claimForWorker(b.id, 'w2')).toBeUndefined();
      expect(
        await store.builds.transition(b.id, ['IN_PROGRESS'], 'SUCCESS', {}, { expectWorkerId: 'w2' }),
      ).toBe(false);
      expect(
        await store.builds.transition(
          b.id,
          ['IN_PROGRESS'],
          'SUCCESS',
          { finishedAt: clock.now, progress: 100, timings: { base: 12 } },
          { expectWorkerId: 'w1' },
        ),
      ).toBe(true);
      expect(await store.builds.transition(b.id, ['IN_PROGRESS'], 'FAILED')).toBe(false);
      const done = await store.builds.get(orgA.id, b.id);
      expect(done).toMatchObject({ status: 'SUCCESS', progress: 100, timings: { base: 12 } });
    });

    it('lets exactly one of many concurrent claimers (on separate connections) win a build', async () => {
      const b = await store.builds.create({ organizationId: orgA.id, name: 'race', spec: {} });
      const other = await opened.openAnother();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 === 0 ? store : other).builds.claimForWorker(b.id, `w${i}`),
        ),
      );
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      expect((await store.builds.getForWorker(b.id))?.attempts).toBe(1);
    });

    it('heartbeats, progresses and observes cancel requests; cancels queued builds at once', async () => {
      const running = await store.builds.create({ organizationId: orgA.id, name: 'run', spec: {} });
      await store.builds.claimForWorker(running.id, 'w1');
      clock.advance(10);
      expect(await store.builds.heartbeat(running.id, 'w1')).toEqual({
        isOwned: true,
        isCancelRequested: false,
      });
      expect(await store.builds.heartbeat(running.id, 'w2')).toEqual({
        isOwned: false,
        isCancelRequested: false,
      });
      expect(await store.builds.updateProgress(running.id, 'packages', 140)).toBe(true);
      expect(await store.builds.get(orgA.id, running.id)).toMatchObject({
        step: 'packages',
        progress: 100,
        heartbeatAt: clock.now,
      });
      expect(await store.builds.requestCancel(orgA.id, running.id)).toBe('cancel-requested');
      expect(await store.builds.heartbeat(running.id, 'w1')).toEqual({
        isOwned: true,
        isCancelRequested: true,
      });

      const queued = await store.builds.create({ organizationId: orgA.id, name: 'q', spec: {} });
      expect(await store.builds.requestCancel(orgA.id, queued.id)).toBe('cancelled');
      expect(await store.builds.get(orgA.id, queued.id)).toMatchObject({
        status: 'CANCELLED',
        errorCode: 'LBE_BUILD_CANCELLED',
        cancelledAt: clock.now,
      });
      expect(await store.builds.claimForWorker(queued.id, 'w1')).toBeUndefined();
      expect(await store.builds.requestCancel(orgA.id, queued.id)).toBe('not-cancellable');
    });

    it('lists stale IN_PROGRESS builds by heartbeat age, and queued builds in priority order', async () => {
      const org = await store.organizations.create({ name: 'R', slug: slug('r') });
      const low = await store.builds.create({ organizationId: org.id, name: 'low', spec: {}, priority: 9 });
      const high = await store.builds.create({ organizationId: org.id, name: 'high', spec: {}, priority: 1 });
      const queued = (await store.builds.listByStatus('QUEUED', 1000)).filter(
        (b) => b.organizationId === org.id,
      );
      expect(queued.map((b) => b.id)).toEqual([high.id, low.id]);

      await store.builds.claimForWorker(low.id, 'w1');
      const t0 = clock.now;
      clock.advance(60_000);
      await store.builds.claimForWorker(high.id, 'w2');
      const stale = await store.builds.listStaleInProgress(t0 + 30_000, 1000);
      expect(stale.map((b) => b.id)).toContain(low.id);
      expect(stale.map((b) => b.id)).not.toContain(high.id);
    });

    it('counts by status per tenant and since an instant; finds successful builds by key per tenant', async () => {
      const org = await store.organizations.create({ name: 'C', slug: slug('c') });
      const old = await store.builds.create({
        organizationId: org.id,
        name: 'old',
        spec: {},
        buildKey: 'kk',
      });
      await store.builds.claimForWorker(old.id, 'w');
      await store.builds.transition(old.id, ['IN_PROGRESS'], 'SUCCESS', { finishedAt: clock.now });
      clock.advance(1000);
      const since = clock.now;
      await store.builds.create({ organizationId: org.id, name: 'new', spec: {} });
      const all = await store.builds.countByStatus(org.id);
      expect(all).toEqual({ PENDING: 0, QUEUED: 1, IN_PROGRESS: 0, SUCCESS: 1, FAILED: 0, CANCELLED: 0 });
      expect((await store.builds.countByStatus(org.id, since)).SUCCESS).toBe(0);
      expect((await store.builds.findSuccessfulByBuildKey(org.id, 'kk'))?.id).toBe(old.id);
      expect(await store.builds.findSuccessfulByBuildKey(orgB.id, 'kk')).toBeUndefined();
    });
  });

  describe('logs', () => {
    it('assigns gap-free increasing seqs under concurrent appends and pages by seq', async () => {
      const b = await store.builds.create({ organizationId: orgA.id, name: 'log', spec: {} });
      // PostgreSQL: two pools racing. SQLite: one connection per process is the supported model (a second
      // connection in the same process would block the thread on the file lock held across an await).
      const other = store.dialect === 'postgres' ? await opened.openAnother() : store;
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? store : other).logs.append(
            b.id,
            Array.from({ length: 5 }, (_, j) => ({ message: `batch ${i} line ${j}`, step: 'base' })),
          ),
        ),
      );
      const first = await store.logs.list(orgA.id, b.id, { limit: 30 });
      expect(first?.lines.map((l) => l.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      const rest = await store.logs.list(orgA.id, b.id, { afterSeq: first!.lastSeq, limit: 100 });
      expect(rest?.lines.map((l) => l.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 31));
      expect(rest?.lastSeq).toBe(50);
      const none = await store.logs.list(orgA.id, b.id, { afterSeq: 50 });
      expect(none).toEqual({ lines: [], lastSeq: 50 });
      // each batch stays contiguous and in order
      const byBatch = new Map<string, number[]>();
      for (const l of [...first!.lines, ...rest!.lines]) {
        const batch = l.message.split(' line ')[0]!;
        byBatch.set(batch, [...(byBatch.get(batch) ?? []), l.seq]);
      }
      for (const seqs of byBatch.values()) expect(seqs[4]! - seqs[0]!).toBe(4);
      expect(await store.logs.list(orgB.id, b.id)).toBeUndefined();
      expect(await store.logs.append('no-such-build', [{ message: 'x' }])).toBeUndefined();
    });
  });

  describe('artifacts', () => {
    it('records artifacts, sums bytes beyond 32 bits per tenant, and tracks expiry and deletion', async () => {
      const org = await store.organizations.create({ name: 'F', slug: slug('f') });
      const b = await store.builds.create({ organizationId: org.id, name: 'art', spec: {} });
      const big = 5 * 1024 ** 3;
      const iso = await store.artifacts.add(b.id, {
        fileType: 'iso',
        fileName: 'live.iso',
        sizeBytes: big,
        path: `${b.id}/live.iso`,
        sha256: 'a'.repeat(64),
      });
      clock.advance(1);
      await store.artifacts.add(b.id, {
        fileType: 'image-ref',
        fileName: 'docker-image-ref',
        sizeBytes: 0,
        ref: 'reg/x:1',
      });
      clock.advance(5);
      const sbom = await store.artifacts.add(b.id, {
        fileType: 'sbom',
        fileName: 'sbom.spdx.json',
        sizeBytes: 1234,
      });
      expect(await store.artifacts.totalBytes(org.id)).toBe(big + 1234);
      expect(await store.artifacts.totalBytes(orgB.id)).toBe(0);
      expect((await store.artifacts.list(org.id, b.id))?.map((a) => a.fileType)).toEqual([
        'iso',
        'image-ref',
        'sbom',
      ]);
      expect(await store.artifacts.list(orgB.id, b.id)).toBeUndefined();
      expect(await store.artifacts.get(org.id, b.id, 'iso')).toEqual(iso);
      expect(await store.artifacts.get(orgB.id, b.id, 'iso')).toBeUndefined();
      expect((await store.artifacts.get(org.id, b.id, 'image-ref'))?.ref).toBe('reg/x:1');

      const expired = await store.artifacts.listExpired(sbom.createdAt, 10_000);
      expect(expired.map((a) => a.id)).toContain(iso.id);
      expect(expired.map((a) => a.id)).not.toContain(sbom.id);
      expect(await store.artifacts.markDeleted(iso.id)).toBe(true);
      expect(await store.artifacts.markDeleted(iso.id)).toBe(false);
      expect((await store.artifacts.get(org.id, b.id, 'iso'))?.deletedAt).toBe(clock.now);
      expect(await store.artifacts.totalBytes(org.id)).toBe(1234);
      expect((await store.artifacts.listExpired(clock.now + 1, 10_000)).map((a) => a.id)).not.toContain(
        iso.id,
      );
    });
  });

  describe('webhooks and conversations', () => {
    it('scopes webhooks to their tenant and keeps delivery bookkeeping', async () => {
      const w = await store.webhooks.create(orgA.id, {
        url: 'https://example.com/h',
        secret: 's',
        events: ['build.succeeded'],
      });
      expect(await store.webhooks.get(orgB.id, w.id)).toBeUndefined();
      expect(await store.webhooks.update(orgB.id, w.id, { isActive: false })).toBeUndefined();
      expect(await store.webhooks.delete(orgB.id, w.id)).toBe(false);
      expect((await store.webhooks.listActiveForEvent(orgA.id, 'build.succeeded')).map((x) => x.id)).toEqual([
        w.id,
      ]);
      expect(await store.webhooks.listActiveForEvent(orgA.id, 'build.failed')).toEqual([]);
      const d = await store.webhooks.enqueueDelivery(w.id, 'build.succeeded', '{"a":1}');
      expect((await store.webhooks.listDueDeliveries()).map((x) => x.id)).toContain(d.id);
      await store.webhooks.recordDeliveryAttempt(d.id, {
        status: 'pending',
        responseStatus: 500,
        nextAttemptAt: clock.now + 1000,
      });
      expect((await store.webhooks.listDueDeliveries()).map((x) => x.id)).not.toContain(d.id);
      expect((await store.webhooks.get(orgA.id, w.id))?.failureCount).toBe(1);
      expect(await store.webhooks.listDeliveries(orgB.id, w.id)).toBeUndefined();
      expect((await store.webhooks.listDeliveries(orgA.id, w.id))?.[0]).toMatchObject({
        attempts: 1,
        responseStatus: 500,
      });
      expect((await store.webhooks.update(orgA.id, w.id, { isActive: false }))?.isActive).toBe(false);
      expect(await store.webhooks.delete(orgA.id, w.id)).toBe(true);
    });

    it('scopes conversations to their tenant and hides expired ones', async () => {
      const c = await store.conversations.create(orgA.id, {
        messages: [{ role: 'user', content: 'a web server' }],
        expiresAt: clock.now + 1000,
      });
      expect(await store.conversations.get(orgB.id, c.id)).toBeUndefined();
      expect(await store.conversations.update(orgB.id, c.id, { messages: [] })).toBeUndefined();
      const u = await store.conversations.update(orgA.id, c.id, {
        messages: [...c.messages, { role: 'assistant', content: '{}' }],
        spec: { base: 'debian' },
      });
      expect(u).toMatchObject({ spec: { base: 'debian' } });
      expect(u?.messages).toHaveLength(2);
      clock.advance(1000);
      expect(await store.conversations.get(orgA.id, c.id)).toBeUndefined();
      expect(await store.conversations.deleteExpired()).toBeGreaterThanOrEqual(1);
    });
  });

  describe('queue jobs (SQL of the local queue)', () => {
    it('dedupes live jobs, claims by priority then age, and fences stale tokens', async () => {
      const q = `q-${++n}`;
      expect(await store.queueJobs.enqueue(q, 'b-low', { priority: 5 })).toBe(true);
      clock.advance(1);
      expect(await store.queueJobs.enqueue(q, 'b-high', { priority: 1 })).toBe(true);
      expect(await store.queueJobs.enqueue(q, 'b-high', { priority: 0 })).toBe(false);
      const first = await store.queueJobs.claim(q, 'w1', 1000);
      expect(first).toMatchObject({ buildId: 'b-high', state: 'active', attemptsMade: 1, workerId: 'w1' });
      expect(await store.queueJobs.counts(q)).toEqual({ waiting: 1, delayed: 0, active: 1 });
      // lease expiry makes the job claimable again, with a new token
      clock.advance(1001);
      const second = await store.queueJobs.claim(q, 'w2', 1000);
      expect(second).toMatchObject({ buildId: 'b-high', attemptsMade: 2, workerId: 'w2' });
      expect(await store.queueJobs.finish(q, 'b-high', first!.token!)).toBe(false);
      expect(
        await store.queueJobs.reschedule(q, 'b-high', second!.token!, { delayMs: 500, error: 'x' }),
      ).toBe(true);
      expect(await store.queueJobs.counts(q)).toEqual({ waiting: 1, delayed: 1, active: 0 });
      expect((await store.queueJobs.claim(q, 'w3', 1000))?.buildId).toBe('b-low');
      expect(await store.queueJobs.claim(q, 'w3', 1000)).toBeUndefined();
      clock.advance(500);
      const third = await store.queueJobs.claim(q, 'w3', 1000);
      expect(third).toMatchObject({ buildId: 'b-high', attemptsMade: 3, lastError: 'x' });
      expect(await store.queueJobs.finish(q, 'b-high', third!.token!)).toBe(true);
      expect(await store.queueJobs.get(q, 'b-high')).toBeUndefined();
      expect(await store.queueJobs.enqueue(q, 'b-high')).toBe(true);
      expect(await store.queueJobs.drain(q)).toBe(2);
    });

    it('never hands one job to two concurrent claimers on separate connections', async () => {
      const q = `q-${++n}`;
      const jobs = 40;
      for (let i = 0; i < jobs; i++) await store.queueJobs.enqueue(q, `job-${i}`, { priority: i % 3 });
      const stores = [store, await opened.openAnother(), await opened.openAnother()];
      const claimed: string[] = [];
      await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          const s = stores[w % stores.length]!;
          for (;;) {
            const job = await s.queueJobs.claim(q, `w${w}`, 60_000);
            if (job === undefined) {
              if ((await s.queueJobs.counts(q)).waiting === 0) return;
              continue;
            }
            claimed.push(job.buildId);
          }
        }),
      );
      expect(claimed).toHaveLength(jobs);
      expect(new Set(claimed).size).toBe(jobs);
      await store.queueJobs.drain(q);
    });
  });
});
