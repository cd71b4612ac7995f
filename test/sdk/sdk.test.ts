import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  LbeApiError,
  LbeClient,
  LbeError,
  type BuildDetails,
  type BuildEvent,
  type BuildPage,
  type StartBuildResult,
  type ValidationReport,
  type WebSocketConstructor,
} from '../../packages/sdk/src/index.js';
import type {
  buildStatusResponseSchema,
  listBuildsResponseSchema,
  startBuildResponseSchema,
  validateResponseSchema,
} from '../../src/api/routes/builds/build.schemas.js';
import { openApiHarness, type ApiHarness } from '../api/api-harness.js';
import { loadPlanner } from '../api/test-planner.js';

// Node 20 has no global WebSocket; `ws` speaks the same browser API (the SDK takes any such constructor).
const WebSocketImpl =
  (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
  (createRequire(import.meta.url)('ws') as WebSocketConstructor);

const SPEC = { name: 'sdk-test', base: 'debian', packages: ['curl'], outputs: { docker: true } };

describe('SDK types follow the server schemas', () => {
  it('compiles only while every response schema fits the SDK type', () => {
    expectTypeOf<z.output<typeof startBuildResponseSchema>>().toExtend<StartBuildResult>();
    expectTypeOf<z.output<typeof validateResponseSchema>>().toExtend<ValidationReport>();
    expectTypeOf<z.output<typeof buildStatusResponseSchema>>().toExtend<BuildDetails>();
    expectTypeOf<z.output<typeof listBuildsResponseSchema>>().toExtend<BuildPage>();
  });
});

describe('LbeClient against a listening server (SQLite, no worker)', () => {
  let h: ApiHarness;
  let baseUrl: string;
  let client: LbeClient;

  beforeAll(async () => {
    h = await openApiHarness('sqlite', { planner: await loadPlanner() });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    client = new LbeClient({ baseUrl, apiKey: h.keyA, WebSocket: WebSocketImpl });
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('validates a spec: valid with plan hash, or every error with its path', async () => {
    const ok = await client.validate(SPEC);
    expect(ok.valid).toBe(true);
    expect(ok.planHash).toMatch(/^[0-9a-f]{64}$/);
    const bad = await client.validate({ name: 'x', base: 'windows', colour: 'red' });
    expect(bad.valid).toBe(false);
    expect(bad.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['base', 'colour']));
  });

  it('starts a build (QUEUED), reads it back and finds it in the list', async () => {
    const started = await client.startBuild(SPEC);
    expect(started.status).toBe('QUEUED');
    expect(started.reused).toBe(false);
    expect(started.spec.release).toBe('bookworm');

    const build = await client.getBuild(started.buildId);
    expect(build.buildId).toBe(started.buildId);
    expect(build.name).toBe('sdk-test');
    expect(build.status).toBe('QUEUED');

    const page = await client.listBuilds();
    expect(page.items.map((b) => b.buildId)).toContain(started.buildId);
  });

  it('pages through builds with the cursor', async () => {
    for (const n of [1, 2, 3]) await client.startBuild({ ...SPEC, name: `page-${n}` });
    const first = await client.listBuilds({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await client.listBuilds(first.nextCursor!);
    expect(second.items.length).toBeGreaterThan(0);
    const overlap = second.items.filter((b) => first.items.some((f) => f.buildId === b.buildId));
    expect(overlap).toEqual([]);
    const all: string[] = [];
    for await (const b of client.iterateBuilds({ limit: 2 })) all.push(b.buildId);
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(new Set(all).size).toBe(all.length);
  });

  it('cancels a queued build; a second cancel surfaces the 409 code', async () => {
    const { buildId } = await client.startBuild({ ...SPEC, name: 'to-cancel' });
    const cancelled = await client.cancel(buildId);
    expect(cancelled).toMatchObject({ buildId, status: 'CANCELLED', cancelRequested: false });
    const again = await client.cancel(buildId).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(LbeApiError);
    expect((again as LbeApiError).status).toBe(409);
    expect((again as LbeApiError).code).toMatch(/^LBE_BUILD_/);

    const done = await client.waitForBuild(buildId, { intervalMs: 50, timeoutMs: 5000 });
    expect(done.status).toBe('CANCELLED');
  });

  it('surfaces the API error code, status, request id and issue paths of a bad spec', async () => {
    const error = await client
      .startBuild({ name: 'x', base: 'windows', hostname: '-bad-' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LbeApiError);
    const apiError = error as LbeApiError;
    expect(apiError.code).toBe('LBE_SPEC_INVALID');
    expect(apiError.status).toBe(400);
    expect(apiError.requestId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(apiError.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['base', 'hostname']));
  });

  it('surfaces auth and not-found codes, and a transport failure as LBE_SDK_NETWORK', async () => {
    const wrongKey = new LbeClient({ baseUrl, apiKey: 'not-a-key' });
    await expect(wrongKey.listBuilds()).rejects.toMatchObject({ code: 'LBE_AUTH_INVALID', status: 401 });
    await expect(client.getBuild('abcdefghij0123456789')).rejects.toMatchObject({
      code: 'LBE_BUILD_NOT_FOUND',
      status: 404,
    });
    const otherTenant = new LbeClient({ baseUrl, apiKey: h.keyB });
    const { buildId } = await client.startBuild({ ...SPEC, name: 'tenant-a-only' });
    await expect(otherTenant.getBuild(buildId)).rejects.toMatchObject({ status: 404 });

    const closed = new LbeClient({ baseUrl: 'http://127.0.0.1:1', apiKey: h.keyA });
    const error = await closed.listBuilds().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LbeError);
    expect((error as LbeError).code).toBe('LBE_SDK_NETWORK');
  });

  it('times out waitForBuild on a build that stays QUEUED', async () => {
    const { buildId } = await client.startBuild({ ...SPEC, name: 'stays-queued' });
    await expect(client.waitForBuild(buildId, { intervalMs: 20, timeoutMs: 150 })).rejects.toMatchObject({
      code: 'LBE_SDK_TIMEOUT',
    });
  });

  it('downloads an artifact whole, by range and by ETag', async () => {
    const content = Buffer.from('0123456789abcdefghij');
    const build = await h.seedSucceededBuild({ checksums: { name: 'SHA256SUMS', content } });
    const whole = await client.download(build.id, 'checksums');
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(content)).toBe(true);

    const part = await client.download(build.id, 'checksums', { range: { start: 10, end: 14 } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 10-14/20');
    expect(await part.text()).toBe('abcde');
    const tail = await client.download(build.id, 'checksums', { range: { suffix: 3 } });
    expect(await tail.text()).toBe('hij');

    const etag = whole.headers.get('etag')!;
    const same = await client.download(build.id, 'checksums', { ifNoneMatch: etag });
    expect(same.status).toBe(304);

    await expect(client.download(build.id, 'iso')).rejects.toMatchObject({
      code: 'LBE_ARTIFACT_NOT_FOUND',
      status: 404,
    });
    await expect(client.download(build.id, 'checksums', { range: { start: 100 } })).rejects.toMatchObject({
      status: 416,
    });
  });

  it('follows a build over the WebSocket: live events of a running build, then BUILD_COMPLETE', async () => {
    const { buildId } = await client.startBuild({ ...SPEC, name: 'followed' });
    const events: BuildEvent[] = [];
    const following = client.followBuild(buildId, (e) => {
      events.push(e);
      if (e.type === 'SUBSCRIBED') {
        // Act as the worker would: claim, log, step, finish — each publishes on the server's event bus.
        void (async () => {
          await h.runtime.store.builds.claimForWorker(buildId, 'sdk-test');
          h.runtime.events.publish({
            type: 'LOG',
            buildId,
            tenantId: h.tenantA,
            line: 'hello from the worker',
            ts: Date.now(),
          });
          h.runtime.events.publish({
            type: 'STEP',
            buildId,
            tenantId: h.tenantA,
            step: 'packages',
            progress: 40,
          });
          await h.runtime.store.builds.transition(buildId, ['IN_PROGRESS'], 'SUCCESS', {
            progress: 100,
            finishedAt: Date.now(),
          });
          h.runtime.events.publish({
            type: 'BUILD_COMPLETE',
            buildId,
            tenantId: h.tenantA,
            status: 'SUCCESS',
            artifacts: [],
          });
        })();
      }
    });
    const complete = await following;
    expect(complete).toMatchObject({ type: 'BUILD_COMPLETE', buildId, status: 'SUCCESS' });
    expect(events.map((e) => e.type)).toEqual(['SUBSCRIBED', 'LOG', 'STEP', 'BUILD_COMPLETE']);
    expect(events[1]).toMatchObject({ line: 'hello from the worker' });
    expect(events[2]).toMatchObject({ step: 'packages', progress: 40 });

    // A finished build completes at once; an unknown one rejects with the server's code.
    await expect(client.followBuild(buildId)).resolves.toMatchObject({ status: 'SUCCESS' });
    await expect(client.followBuild('abcdefghij0123456789')).rejects.toMatchObject({
      code: 'LBE_BUILD_NOT_FOUND',
    });
    const controller = new AbortController();
    const stopped = client.followBuild(
      (await client.startBuild({ ...SPEC, name: 'aborted' })).buildId,
      () => {
        controller.abort();
      },
      { signal: controller.signal },
    );
    await expect(stopped).rejects.toMatchObject({ code: 'LBE_SDK_ABORTED' });
  });
});
