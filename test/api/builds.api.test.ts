/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/restrict-plus-operands -- JSON bodies of inject() are `any` */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHarness, DatabaseKind } from './api-harness.js';
import { openApiHarness } from './api-harness.js';
import { loadPlanner } from './test-planner.js';

const SPEC = {
  name: 'api-test',
  base: 'debian',
  packages: ['curl'],
  hostname: 'api-test',
  outputs: { docker: true },
};

describe.each<DatabaseKind>(['sqlite', 'postgres'])('build API on %s', (kind) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await openApiHarness(kind, { planner: await loadPlanner() });
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('queues a valid spec: 202 with id, normalized spec, status URL and a queue message', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/build/start',
      headers: h.auth(),
      payload: SPEC,
    });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.buildId).toMatch(/^[a-z0-9]{8,40}$/);
    expect(body.status).toBe('QUEUED');
    expect(body.reused).toBe(false);
    expect(body.spec.release).toBe('bookworm');
    expect(body.statusUrl).toBe(`/api/build/status/${body.buildId}`);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(await h.runtime.queue.isQueued(body.buildId)).toBe(true);
    const alias = await h.app.inject({
      method: 'POST',
      url: '/api/build',
      headers: h.auth(),
      payload: { ...SPEC, name: 'alias' },
    });
    expect(alias.statusCode).toBe(202);
  });

  it('rejects an invalid spec with LBE_SPEC_INVALID and the path of every error', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/build/start',
      headers: h.auth(),
      payload: { name: 'x', base: 'windows', hostname: '-bad-', colour: 'red' },
    });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('LBE_SPEC_INVALID');
    const paths = error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['base', 'hostname', 'colour']));
    expect(error.requestId).toBe(res.headers['x-request-id']);
  });

  it('returns the earlier SUCCESS build for the same build key (200), unless force', async () => {
    const spec = { ...SPEC, name: 'reuse-me' };
    const first = (
      await h.app.inject({ method: 'POST', url: '/api/build/start', headers: h.auth(), payload: spec })
    ).json();
    await h.runtime.store.builds.claimForWorker(first.buildId, 'test');
    await h.runtime.store.builds.transition(first.buildId, ['IN_PROGRESS'], 'SUCCESS', {
      finishedAt: Date.now(),
    });

    const again = await h.app.inject({
      method: 'POST',
      url: '/api/build/start',
      headers: h.auth(),
      payload: spec,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ buildId: first.buildId, reused: true, status: 'SUCCESS' });

    const forcedQuery = await h.app.inject({
      method: 'POST',
      url: '/api/build/start?force=true',
      headers: h.auth(),
      payload: spec,
    });
    expect(forcedQuery.statusCode).toBe(202);
    expect(forcedQuery.json().buildId).not.toBe(first.buildId);
    const forcedBody = await h.app.inject({
      method: 'POST',
      url: '/api/build',
      headers: h.auth(),
      payload: { ...spec, force: true },
    });
    expect(forcedBody.statusCode).toBe(202);

    // Another tenant never reuses tenant A's build.
    const other = await h.app.inject({
      method: 'POST',
      url: '/api/build',
      headers: h.auth(h.keyB),
      payload: spec,
    });
    expect(other.statusCode).toBe(202);
  });

  it('answers 501 for a prompt when no LLM is configured', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/build/start',
      headers: h.auth(),
      payload: { prompt: 'a small web server' },
    });
    expect(res.statusCode).toBe(501);
    expect(res.json().error.code).toBe('LBE_AI_NOT_CONFIGURED');
  });

  it('shows status with paged logs and artifacts, never server paths', async () => {
    const build = await h.seedSucceededBuild({
      docker: { name: 'image.tar', content: Buffer.from('tar bytes') },
      checksums: { name: 'SHA256SUMS', content: Buffer.from('abc  image.tar\n') },
    });
    const res = await h.app.inject({
      url: `/api/build/status/${build.id}?logsLimit=2`,
      headers: h.auth(),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ buildId: build.id, status: 'SUCCESS', progress: 100, error: null });
    expect(body.logs.lines.map((l: { message: string }) => l.message)).toEqual(['step one', 'step two']);
    expect(body.logs.lastSeq).toBe(2);
    expect(body.timings).toEqual({ base: 10, packages: 20 });
    expect(body.artifacts).toHaveLength(2);
    expect(body.artifacts[0]).toMatchObject({ type: 'docker', fileName: 'image.tar', sizeBytes: 9 });
    expect(body.artifacts[0].downloadUrl).toBe(`/api/build/download/${build.id}/docker`);
    expect(res.body).not.toContain(h.dataDir);
    expect(res.body).not.toContain('"path"');

    const next = (
      await h.app.inject({ url: `/api/build/status/${build.id}?logsAfter=2`, headers: h.auth() })
    ).json();
    expect(next.logs.lines.map((l: { seq: number }) => l.seq)).toEqual([3]);

    const list = await h.app.inject({ url: `/api/build/artifact/${build.id}`, headers: h.auth() });
    expect(list.statusCode).toBe(200);
    expect(list.json().artifacts.map((a: { type: string }) => a.type)).toEqual(['docker', 'checksums']);
    expect(list.body).not.toContain(h.dataDir);
  });

  it('status answers with an ETag and 304 on a match; a running build is read again after any of its events', async () => {
    const running = await h.runtime.store.builds.create({
      organizationId: h.tenantA,
      name: 'running',
      spec: { name: 'running', base: 'debian' },
    });
    await h.runtime.store.builds.claimForWorker(running.id, 'test');
    const url = `/api/build/status/${running.id}`;
    const first = await h.app.inject({ url, headers: h.auth() });
    expect(first.statusCode).toBe(200);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    const same = await h.app.inject({ url, headers: { ...h.auth(), 'if-none-match': etag } });
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');
    expect(same.headers.etag).toBe(etag);

    // A change without an event (another process, no Redis) is served up to 1 s late…
    await h.runtime.store.logs.append(running.id, [{ message: 'new line', step: 'packages' }]);
    const cached = await h.app.inject({ url, headers: { ...h.auth(), 'if-none-match': etag } });
    expect(cached.statusCode).toBe(304);
    // …and an event of the build, as its worker publishes for every line, drops the cached response.
    h.runtime.events.publish({
      type: 'LOG',
      buildId: running.id,
      tenantId: h.tenantA,
      line: 'new line',
      ts: Date.now(),
    });
    const changed = await h.app.inject({ url, headers: { ...h.auth(), 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().logs.lines.map((l: { message: string }) => l.message)).toEqual(['new line']);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it("serves a finished build's status from the cache, to its own tenant only", async () => {
    const build = await h.seedSucceededBuild({ docker: { name: 'image.tar', content: Buffer.from('x') } });
    const url = `/api/build/status/${build.id}`;
    const first = await h.app.inject({ url, headers: h.auth() });
    expect(first.statusCode).toBe(200);
    // A row changed behind the cache: the cached body is served until STATUS_CACHE_SECONDS pass.
    await h.runtime.store.logs.append(build.id, [{ message: 'late line' }]);
    const cached = await h.app.inject({ url, headers: h.auth() });
    expect(cached.body).toBe(first.body);
    expect(cached.headers.etag).toBe(first.headers.etag);
    const other = await h.app.inject({ url, headers: h.auth(h.keyB) });
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('LBE_BUILD_NOT_FOUND');
    const otherPage = await h.app.inject({ url: `${url}?logsLimit=1000`, headers: h.auth() });
    expect(otherPage.json().logs.lines.at(-1).message).toBe('late line');
  });

  it("answers another tenant's build with 404 everywhere", async () => {
    const build = await h.seedSucceededBuild({ docker: { name: 'image.tar', content: Buffer.from('x') } });
    for (const [method, url] of [
      ['GET', `/api/build/status/${build.id}`],
      ['GET', `/api/build/artifact/${build.id}`],
      ['GET', `/api/build/download/${build.id}/docker`],
      ['POST', `/api/build/${build.id}/cancel`],
      ['GET', `/api/build/${build.id}/events/stream`],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: h.auth(h.keyB) });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('LBE_BUILD_NOT_FOUND');
    }
    const list = (await h.app.inject({ url: '/api/builds?limit=100', headers: h.auth(h.keyB) })).json();
    expect(list.items.map((b: { buildId: string }) => b.buildId)).not.toContain(build.id);
  });

  it('requires a valid key', async () => {
    const missing = await h.app.inject({ url: '/api/builds' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('LBE_AUTH_MISSING');
    const invalid = await h.app.inject({ url: '/api/builds', headers: { 'x-api-key': 'nope' } });
    expect(invalid.statusCode).toBe(401);
    expect(invalid.json().error.code).toBe('LBE_AUTH_INVALID');
    const header = await h.app.inject({ url: '/api/builds', headers: { 'x-api-key': h.keyA } });
    expect(header.statusCode).toBe(200);
  });

  it('downloads with ETag, Range (206), 416 and 304', async () => {
    const content = Buffer.from('0123456789abcdef');
    const build = await h.seedSucceededBuild({ docker: { name: 'image.tar', content } });
    const url = `/api/build/download/${build.id}/docker`;
    const full = await h.app.inject({ url, headers: h.auth() });
    expect(full.statusCode).toBe(200);
    expect(full.rawPayload.equals(content)).toBe(true);
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.headers['content-disposition']).toBe('attachment; filename="image.tar"');
    const etag = String(full.headers.etag);
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);

    const part = await h.app.inject({ url, headers: { ...h.auth(), range: 'bytes=4-7' } });
    expect(part.statusCode).toBe(206);
    expect(part.body).toBe('4567');
    expect(part.headers['content-range']).toBe(`bytes 4-7/${content.length}`);
    const tail = await h.app.inject({ url, headers: { ...h.auth(), range: 'bytes=-3' } });
    expect(tail.body).toBe('def');

    const bad = await h.app.inject({ url, headers: { ...h.auth(), range: 'bytes=100-' } });
    expect(bad.statusCode).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${content.length}`);
    expect(bad.json().error.code).toBe('LBE_ARTIFACT_RANGE_INVALID');

    const cached = await h.app.inject({ url, headers: { ...h.auth(), 'if-none-match': etag } });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');

    const none = await h.app.inject({ url: `/api/build/download/${build.id}/iso`, headers: h.auth() });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('LBE_ARTIFACT_NOT_FOUND');
    const badType = await h.app.inject({
      url: `/api/build/download/${build.id}/..%2F..%2Fetc`,
      headers: h.auth(),
    });
    expect(badType.statusCode).toBe(400);
  });

  it('deletes an ISO after a complete download, not after a ranged one', async () => {
    const build = await h.seedSucceededBuild({ iso: { name: 'live.iso', content: Buffer.alloc(4096, 7) } });
    const url = `/api/build/download/${build.id}/iso`;
    const file = join(h.runtime.config.artifactsDir, build.id, 'live.iso');
    const part = await h.app.inject({ url, headers: { ...h.auth(), range: 'bytes=0-99' } });
    expect(part.statusCode).toBe(206);
    expect(existsSync(file)).toBe(true);
    const full = await h.app.inject({ url, headers: h.auth() });
    expect(full.statusCode).toBe(200);
    expect(full.rawPayload.length).toBe(4096);
    await expect.poll(() => existsSync(file)).toBe(false);
    await expect.poll(async () => (await h.app.inject({ url, headers: h.auth() })).statusCode).toBe(410);
    const artifacts = (
      await h.app.inject({ url: `/api/build/artifact/${build.id}`, headers: h.auth() })
    ).json();
    expect(artifacts.artifacts[0]).toMatchObject({ type: 'iso', expired: true, downloadUrl: null });
  });

  it('retention sweeps artifacts older than ARTIFACT_RETENTION_HOURS', async () => {
    const build = await h.seedSucceededBuild({
      rootfs: { name: 'rootfs.tar.zst', content: Buffer.from('r') },
    });
    const file = join(h.runtime.config.artifactsDir, build.id, 'rootfs.tar.zst');
    const early = await h.runtime.retention.sweepOnce(Date.now() + 23 * 3_600_000);
    expect(existsSync(file)).toBe(true);
    expect(early.failed).toBe(0);
    const late = await h.runtime.retention.sweepOnce(Date.now() + 25 * 3_600_000);
    expect(late.deleted).toBeGreaterThanOrEqual(1);
    expect(existsSync(file)).toBe(false);
    const res = await h.app.inject({ url: `/api/build/download/${build.id}/rootfs`, headers: h.auth() });
    expect(res.statusCode).toBe(410);
    expect(res.json().error.code).toBe('LBE_ARTIFACT_EXPIRED');
  });

  it('cancels a queued build once, then 409', async () => {
    const { buildId } = (
      await h.app.inject({
        method: 'POST',
        url: '/api/build/start?force=1',
        headers: h.auth(),
        payload: { ...SPEC, name: 'cancel-me' },
      })
    ).json();
    const res = await h.app.inject({
      method: 'POST',
      url: `/api/build/${buildId}/cancel`,
      headers: h.auth(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ buildId, status: 'CANCELLED', cancelRequested: false });
    expect(await h.runtime.queue.isQueued(buildId)).toBe(false);
    const again = await h.app.inject({
      method: 'POST',
      url: `/api/build/${buildId}/cancel`,
      headers: h.auth(),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('LBE_BUILD_NOT_CANCELLABLE');
  });

  it('lists builds newest first with a cursor and a status filter', async () => {
    const first = (await h.app.inject({ url: '/api/builds?limit=2', headers: h.auth() })).json();
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (
      await h.app.inject({ url: `/api/builds?limit=2&cursor=${first.nextCursor}`, headers: h.auth() })
    ).json();
    const ids = new Set([...first.items, ...second.items].map((b: { buildId: string }) => b.buildId));
    expect(ids.size).toBe(first.items.length + second.items.length);
    const ok = (
      await h.app.inject({ url: '/api/builds?status=SUCCESS&limit=100', headers: h.auth() })
    ).json();
    expect(ok.items.length).toBeGreaterThan(0);
    expect(ok.items.every((b: { status: string }) => b.status === 'SUCCESS')).toBe(true);
    const bad = await h.app.inject({ url: '/api/builds?status=DONE', headers: h.auth() });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('LBE_API_VALIDATION');
  });

  it('validates without building', async () => {
    const ok = await h.app.inject({
      method: 'POST',
      url: '/api/build/validate',
      headers: h.auth(),
      payload: SPEC,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ valid: true, errors: [] });
    expect(ok.json().planHash).toMatch(/^[0-9a-f]{64}$/);
    expect(ok.json().buildKey).toMatch(/^[0-9a-f]{64}$/);
    const bad = await h.app.inject({
      method: 'POST',
      url: '/api/build/validate',
      headers: h.auth(),
      payload: { name: 'x', base: 'debian', users: [{ name: 'Root!' }] },
    });
    expect(bad.json()).toMatchObject({ valid: false, planHash: null });
    expect(bad.json().errors[0].path).toBe('users[0].name');
  });

  it('serves presets', async () => {
    const list = await h.app.inject({ url: '/api/presets', headers: h.auth() });
    expect(list.statusCode).toBe(200);
    const names = list.json().presets.map((p: { name: string }) => p.name);
    expect(names.length).toBeGreaterThan(0);
    const one = await h.app.inject({ url: `/api/presets/${names[0]}`, headers: h.auth() });
    expect(one.json().spec.name).toEqual(expect.any(String));
    const missing = await h.app.inject({ url: '/api/presets/nope', headers: h.auth() });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('LBE_SPEC_PRESET_NOT_FOUND');
  });

  it('reports health and metrics without a key', async () => {
    expect((await h.app.inject({ url: '/health/live' })).statusCode).toBe(200);
    const ready = await h.app.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.map((c: { name: string }) => c.name)).toEqual(['database', 'queue']);
    const health = await h.app.inject({ url: '/health' });
    expect([200, 503]).toContain(health.statusCode);
    const checks = health.json().checks as { name: string; ok: boolean }[];
    expect(checks.find((c) => c.name === 'database')?.ok).toBe(true);
    expect(checks.map((c) => c.name)).toContain('builder');
    expect(health.statusCode).toBe(checks.every((c) => c.ok) ? 200 : 503);
    const metrics = await h.app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('lbe_http_request_duration_seconds_bucket{');
    expect(metrics.body).toContain('route="/api/build/start"');
    expect(metrics.body).toContain('lbe_builds_total{status="QUEUED"}');
    expect(metrics.body).toContain('lbe_queue_depth');
  });
});
