/* eslint-disable @typescript-eslint/no-unsafe-argument -- JSON bodies of inject() are `any` */
import { createId } from '@paralleldrive/cuid2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildEventBus } from '../../src/builds/build-events.js';
import { attachRedisEventBridge } from '../../src/builds/build-events.redis-bridge.js';
import { TEST_REDIS_URL } from '../../src/jobs/testing/queue-targets.fixture.js';
import { openApiHarness, type ApiHarness } from './api-harness.js';
import { loadPlanner } from './test-planner.js';

interface Socket {
  send(data: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
}

/** Collects parsed messages and lets a test wait for one matching a predicate. */
function collector(socket: Socket) {
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
  return {
    messages,
    async waitFor(predicate: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
      await expect.poll(() => messages.some(predicate), { timeout: 5000 }).toBe(true);
      return messages.find(predicate)!;
    },
  };
}

let h: ApiHarness;
beforeAll(async () => {
  h = await openApiHarness('sqlite', { planner: await loadPlanner() });
});
afterAll(async () => {
  await h.cleanup();
});

describe('WebSocket events', () => {
  it('sends only subscribed builds of the caller’s tenant, and an error for another tenant’s', async () => {
    const mine = (
      await h.app.inject({
        method: 'POST',
        url: '/api/build/start',
        headers: h.auth(),
        payload: { name: 'ws-a', base: 'debian' },
      })
    ).json().buildId as string;
    const theirs = (
      await h.app.inject({
        method: 'POST',
        url: '/api/build/start',
        headers: h.auth(h.keyB),
        payload: { name: 'ws-b', base: 'debian' },
      })
    ).json().buildId as string;

    const socket = (await h.app.injectWS('/ws', { headers: h.auth() })) as unknown as Socket;
    const inbox = collector(socket);
    socket.send(JSON.stringify({ type: 'SUBSCRIBE', buildId: mine }));
    socket.send(JSON.stringify({ type: 'SUBSCRIBE', buildId: theirs }));
    socket.send('not json');
    await inbox.waitFor((m) => m.type === 'SUBSCRIBED' && m.buildId === mine);
    const denied = await inbox.waitFor((m) => m.type === 'ERROR' && m.buildId === theirs);
    expect(denied.code).toBe('LBE_BUILD_NOT_FOUND');
    await inbox.waitFor((m) => m.type === 'ERROR' && m.code === 'LBE_API_BAD_REQUEST');

    const events = h.runtime.events;
    events.publish({ type: 'LOG', buildId: theirs, tenantId: h.tenantB, line: 'secret', ts: 1 });
    events.publish({ type: 'LOG', buildId: mine, tenantId: h.tenantB, line: 'forged tenant', ts: 1 });
    events.publish({ type: 'LOG', buildId: mine, tenantId: h.tenantA, line: 'hello', ts: 2 });
    events.publish({ type: 'STEP', buildId: mine, tenantId: h.tenantA, step: 'packages', progress: 40 });
    events.publish({
      type: 'BUILD_COMPLETE',
      buildId: mine,
      tenantId: h.tenantA,
      status: 'SUCCESS',
      artifacts: [],
    });
    await inbox.waitFor((m) => m.type === 'BUILD_COMPLETE');
    const own = inbox.messages.filter((m) => m.buildId === mine).map((m) => m.type);
    expect(own).toEqual(['SUBSCRIBED', 'LOG', 'STEP', 'BUILD_COMPLETE']);
    expect(inbox.messages.find((m) => m.type === 'LOG')).toEqual({
      type: 'LOG',
      buildId: mine,
      line: 'hello',
      ts: 2,
    });
    expect(JSON.stringify(inbox.messages)).not.toContain('secret');
    expect(JSON.stringify(inbox.messages)).not.toContain('forged');
    expect(JSON.stringify(inbox.messages)).not.toContain('tenantId');
    socket.terminate();
    await expect.poll(() => events.listenerCount(mine)).toBe(0);
  });

  it('sends BUILD_COMPLETE at once for a finished build (late subscriber), via the per-build socket', async () => {
    const build = await h.seedSucceededBuild({ docker: { name: 'image.tar', content: Buffer.from('x') } });
    const inboxes: ReturnType<typeof collector>[] = [];
    // Attach before the socket opens: the server sends at once on a pre-subscribed socket.
    const socket: Socket = await h.app.injectWS(
      `/api/build/${build.id}/events`,
      { headers: h.auth() },
      {
        onInit: (ws) => {
          inboxes.push(collector(ws));
        },
      },
    );
    const inbox = inboxes[0]!;
    const done = await inbox.waitFor((m) => m.type === 'BUILD_COMPLETE');
    expect(done).toMatchObject({ buildId: build.id, status: 'SUCCESS' });
    expect((done.artifacts as { type: string; sha256: string }[])[0]).toMatchObject({ type: 'docker' });
    socket.terminate();
  });

  it('accepts the key as ?apiKey= and refuses a socket without one', async () => {
    const socket = (await h.app.injectWS(`/ws?apiKey=${h.keyA}`)) as unknown as Socket;
    const inbox = collector(socket);
    socket.send(JSON.stringify({ type: 'PING' }));
    await inbox.waitFor((m) => m.type === 'PONG');
    socket.terminate();
    await expect(h.app.injectWS('/ws')).rejects.toThrow(/401/);
  });
});

describe('Server-Sent Events', () => {
  it('streams a finished build and ends after BUILD_COMPLETE', async () => {
    const build = await h.seedSucceededBuild({ docker: { name: 'image.tar', content: Buffer.from('x') } });
    const res = await h.app.inject({ url: `/api/build/${build.id}/events/stream`, headers: h.auth() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.body).toContain('event: SUBSCRIBED');
    expect(res.body).toMatch(
      /event: BUILD_COMPLETE\ndata: \{"type":"BUILD_COMPLETE","buildId":"[a-z0-9]+","status":"SUCCESS"/,
    );
  });

  it('streams live events of a running build', async () => {
    const { buildId } = (
      await h.app.inject({
        method: 'POST',
        url: '/api/build/start',
        headers: h.auth(),
        payload: { name: 'sse-live', base: 'debian' },
      })
    ).json();
    const pending = h.app.inject({ url: `/api/build/${buildId}/events/stream?apiKey=${h.keyA}` });
    await expect.poll(() => h.runtime.events.listenerCount(buildId)).toBe(1);
    h.runtime.events.publish({ type: 'LOG', buildId, tenantId: h.tenantA, line: 'live line', ts: 5 });
    h.runtime.events.publish({
      type: 'BUILD_COMPLETE',
      buildId,
      tenantId: h.tenantA,
      status: 'FAILED',
      artifacts: [],
    });
    const res = await pending;
    expect(res.body).toContain('"line":"live line"');
    expect(res.body).toContain('"status":"FAILED"');
  });
});

describe('events across processes (REDIS_URL)', () => {
  it('a WebSocket client of this API process sees a build running in another process, counted there only', async () => {
    const prefix = `t${createId()}`;
    const api = await openApiHarness('sqlite', {
      planner: await loadPlanner(),
      env: { REDIS_URL: TEST_REDIS_URL },
      queuePrefix: prefix,
    });
    // The other process: a worker's bus bridged on the same channel.
    const workerBus = new BuildEventBus();
    const workerBridge = await attachRedisEventBridge(workerBus, { redisUrl: TEST_REDIS_URL, prefix });
    try {
      const buildId = (
        await api.app.inject({
          method: 'POST',
          url: '/api/build/start',
          headers: api.auth(),
          payload: { name: 'remote', base: 'debian' },
        })
      ).json().buildId as string;
      const socket = (await api.app.injectWS('/ws', { headers: api.auth() })) as unknown as Socket;
      const inbox = collector(socket);
      socket.send(JSON.stringify({ type: 'SUBSCRIBE', buildId }));
      await inbox.waitFor((m) => m.type === 'SUBSCRIBED');

      const tenantId = api.tenantA;
      workerBus.publish({ type: 'LOG', buildId, tenantId: api.tenantB, line: 'other tenant', ts: 1 });
      workerBus.publish({ type: 'LOG', buildId, tenantId, line: 'from the worker', ts: 2 });
      workerBus.publish({ type: 'STEP', buildId, tenantId, step: 'packages', progress: 40 });
      workerBus.publish({ type: 'BUILD_COMPLETE', buildId, tenantId, status: 'SUCCESS', artifacts: [] });
      await inbox.waitFor((m) => m.type === 'BUILD_COMPLETE');
      expect(inbox.messages.map((m) => m.type)).toEqual(['SUBSCRIBED', 'LOG', 'STEP', 'BUILD_COMPLETE']);
      expect(inbox.messages[1]).toMatchObject({ line: 'from the worker', ts: 2 });
      // Metrics and webhooks run in the process that published: nothing counted here.
      const metrics = await api.app.inject({ url: '/metrics' });
      expect(metrics.body).not.toMatch(/lbe_builds_total\{status="SUCCESS"\} [1-9]/);
      socket.terminate();
    } finally {
      await workerBridge.close();
      await api.cleanup();
    }
  });
});
