import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openApiHarness, type ApiHarness } from '../api/api-harness.js';
import { loadPlanner } from '../api/test-planner.js';
import { json, WEB_SERVER_SPEC } from './ai.fixtures.js';
import { MockLlmServer } from './mock-llm.server.js';

/**
 * The AI routes as the server wires them: `createRuntime(config).createApp()` on SQLite, the LLM chosen
 * from OLLAMA_URL (the mock speaks Ollama's real `/api/chat`), the real auth, errors and build routes.
 * No worker runs: prompt builds stop at QUEUED.
 */
describe('AI routes through the runtime (SQLite, Ollama wire protocol)', () => {
  let mock: MockLlmServer;
  let h: ApiHarness;

  beforeAll(async () => {
    mock = await MockLlmServer.start({ ollamaModels: ['llama3.1'] });
    h = await openApiHarness('sqlite', {
      planner: await loadPlanner(),
      env: { OLLAMA_URL: mock.url, OLLAMA_MODEL: 'llama3.1', LLM_REPAIR_ATTEMPTS: '1' },
    });
  });
  afterAll(async () => {
    await h.cleanup();
    await mock.close();
  });
  afterEach(() => {
    expect(mock.pending).toBe(0);
    mock.requests.length = 0;
  });

  it('a client that hangs up during a prompt build stops the LLM call, and no build is created', async () => {
    mock.enqueue({ content: json(WEB_SERVER_SPEC), delayMs: 10_000 });
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const client = new AbortController();
    const sent = fetch(`${address}/api/build/start`, {
      method: 'POST',
      headers: { ...h.auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a web server' }),
      signal: client.signal,
    });
    await expect.poll(() => mock.requests.length).toBe(1);
    client.abort();
    await expect(sent).rejects.toThrow();
    // The LLM request is closed long before its 10 s answer would come.
    await expect.poll(() => mock.abandoned, { timeout: 3000 }).toBe(1);
    expect((await h.runtime.store.builds.list(h.tenantA, {})).items).toEqual([]);
  });

  it('POST /api/build/generate asks Ollama with the BuildSpec schema as `format` and answers the spec', async () => {
    mock.enqueue(json(WEB_SERVER_SPEC));
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/build/generate',
      headers: h.auth(),
      payload: { prompt: 'a small debian web server with nginx' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.spec).toEqual(WEB_SERVER_SPEC);
    expect(body.attempts).toBe(1);
    expect(body.summary).toContain('web-server: debian bookworm');

    expect(mock.requests).toHaveLength(1);
    const sent = mock.requests[0];
    expect(sent?.path).toBe('/api/chat');
    expect(sent?.body.model).toBe('llama3.1');
    expect(sent?.body.stream).toBe(false);
    const format = sent?.body.format as { type?: string; properties?: Record<string, unknown> };
    expect(format.type).toBe('object');
    expect(Object.keys(format.properties ?? {})).toEqual(
      expect.arrayContaining(['name', 'base', 'packages', 'securityFeatures', 'users']),
    );
    const [system, user] = mock.messagesOf(0);
    expect(system?.role).toBe('system');
    expect(user?.content).toContain('a small debian web server with nginx');
  });

  it('POST /api/build/generate without a key → 401, before any LLM call', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/build/generate',
      payload: { prompt: 'web server' },
    });
    expect(res.statusCode).toBe(401);
    expect(mock.requests).toHaveLength(0);
  });

  it('POST /api/build/chat: two turns with the right diff; another tenant gets 404', async () => {
    mock.enqueue(
      json({ message: 'A Debian server.', spec: { name: 'web', base: 'debian', packages: ['curl'] } }),
    );
    const first = await h.app.inject({
      method: 'POST',
      url: '/api/build/chat',
      headers: h.auth(h.keyA),
      payload: { message: 'a debian server with curl' },
    });
    expect(first.statusCode).toBe(200);
    const t1 = first.json();
    expect(t1).toMatchObject({
      message: 'A Debian server.',
      isComplete: true,
      spec: { name: 'web', base: 'debian', packages: ['curl'] },
    });
    expect(t1.diff).toEqual([
      { path: 'base', kind: 'added', new: 'debian' },
      { path: 'name', kind: 'added', new: 'web' },
      { path: 'packages', kind: 'added', new: ['curl'] },
    ]);

    mock.enqueue(
      json({
        message: 'Switched to Alpine and added nginx.',
        spec: { name: 'web', base: 'alpine', packages: ['curl', 'nginx'] },
      }),
    );
    const second = await h.app.inject({
      method: 'POST',
      url: '/api/build/chat',
      headers: h.auth(h.keyA),
      payload: { conversationId: t1.conversationId, message: 'use alpine and add nginx' },
    });
    expect(second.statusCode).toBe(200);
    const t2 = second.json();
    expect(t2.conversationId).toBe(t1.conversationId);
    expect(t2.isComplete).toBe(true);
    expect(t2.diff).toEqual([
      { path: 'base', kind: 'changed', old: 'debian', new: 'alpine' },
      { path: 'packages[1]', kind: 'added', new: 'nginx' },
    ]);
    // The second request carries the stored history: system, user 1, assistant 1, user 2.
    const history = mock.messagesOf(1);
    expect(history.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(history[1]?.content).toContain('a debian server with curl');
    expect(history[3]?.content).toContain('use alpine and add nginx');

    const other = await h.app.inject({
      method: 'POST',
      url: '/api/build/chat',
      headers: h.auth(h.keyB),
      payload: { conversationId: t1.conversationId, message: 'show me' },
    });
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('LBE_AI_CONVERSATION_NOT_FOUND');
    expect(mock.requests).toHaveLength(2);

    const stored = await h.runtime.store.conversations.get(h.tenantA, t1.conversationId as string);
    expect(stored?.spec).toEqual({ name: 'web', base: 'alpine', packages: ['curl', 'nginx'] });
    expect(await h.runtime.store.conversations.get(h.tenantB, t1.conversationId as string)).toBeUndefined();
  });

  it('POST /api/build/start {prompt} → 202 with a QUEUED build whose stored spec is the generated one', async () => {
    mock.enqueue(json(WEB_SERVER_SPEC));
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/build/start',
      headers: h.auth(h.keyB),
      payload: { prompt: 'a debian web server with nginx and a firewall' },
    });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({
      status: 'QUEUED',
      reused: false,
      spec: { name: 'web-server', base: 'debian' },
    });
    expect(mock.requests).toHaveLength(1);
    expect(mock.messagesOf(0)[1]?.content).toContain('a debian web server with nginx and a firewall');

    const build = await h.runtime.store.builds.get(h.tenantB, body.buildId as string);
    expect(build?.status).toBe('QUEUED');
    expect(build?.spec).toEqual(WEB_SERVER_SPEC);
    expect(build?.name).toBe('web-server');
    expect(build?.planHash).toMatch(/^[0-9a-f]{64}$/);
    // Tenant scoped: the other key does not see it.
    expect(await h.runtime.store.builds.get(h.tenantA, body.buildId as string)).toBeUndefined();
    const own = await h.app.inject({ method: 'GET', url: body.statusUrl as string, headers: h.auth(h.keyB) });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ status: 'QUEUED', name: 'web-server' });
    const foreign = await h.app.inject({
      method: 'GET',
      url: body.statusUrl as string,
      headers: h.auth(h.keyA),
    });
    expect(foreign.statusCode).toBe(404);
  });

  it('POST /api/build/start {prompt}: a model that never recovers → 422, and no build is created', async () => {
    const before = await h.runtime.store.builds.list(h.tenantA, {});
    mock.enqueue(json({ name: 'x', base: 'windows' }), json({ name: 'x', base: 'windows' }));
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/build/start',
      headers: h.auth(),
      payload: { prompt: 'a windows server' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('LBE_AI_INVALID_OUTPUT');
    expect(res.json().error.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'base' })]),
    );
    const after = await h.runtime.store.builds.list(h.tenantA, {});
    expect(after).toEqual(before);
  });
});

describe('AI routes through the runtime with no LLM configured', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await openApiHarness('sqlite', { planner: await loadPlanner() });
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('generate, chat and prompt builds answer 501 LBE_AI_NOT_CONFIGURED naming the settings', async () => {
    for (const [url, payload] of [
      ['/api/build/generate', { prompt: 'web server' }],
      ['/api/build/chat', { message: 'web server' }],
      ['/api/build/start', { prompt: 'web server' }],
    ] as const) {
      const res = await h.app.inject({ method: 'POST', url, headers: h.auth(), payload });
      expect(res.statusCode, url).toBe(501);
      expect(res.json().error.code).toBe('LBE_AI_NOT_CONFIGURED');
      expect(res.json().error.message).toMatch(/OLLAMA_URL/);
    }
  });
});

describe('AI routes through the runtime (SQLite, OpenAI-compatible wire protocol, short timeout)', () => {
  let mock: MockLlmServer;
  let h: ApiHarness;
  beforeAll(async () => {
    mock = await MockLlmServer.start();
    h = await openApiHarness('sqlite', {
      planner: await loadPlanner(),
      env: {
        LLM_BASE_URL: `${mock.url}/v1`,
        LLM_MODEL: 'qwen2.5-7b-instruct',
        LLM_API_KEY: 'sk-runtime-test-0000',
        OLLAMA_TIMEOUT: '1000',
      },
    });
  });
  afterAll(async () => {
    await h.cleanup();
    await mock.close();
  });

  it('POST /api/build/generate posts /v1/chat/completions with response_format json_schema', async () => {
    mock.enqueue(json(WEB_SERVER_SPEC));
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/build/generate',
      headers: h.auth(),
      payload: { prompt: 'web server' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().spec).toEqual(WEB_SERVER_SPEC);
    const sent = mock.requests.at(-1);
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe('Bearer sk-runtime-test-0000');
    expect(sent?.body).toMatchObject({
      model: 'qwen2.5-7b-instruct',
      stream: false,
      response_format: { type: 'json_schema', json_schema: { name: 'BuildSpec' } },
    });
  });

  it('a model slower than OLLAMA_TIMEOUT → 504 LBE_AI_TIMEOUT for generate and for a prompt build', async () => {
    for (const url of ['/api/build/generate', '/api/build/start']) {
      mock.enqueue({ content: json(WEB_SERVER_SPEC), delayMs: 2500 });
      const res = await h.app.inject({
        method: 'POST',
        url,
        headers: h.auth(),
        payload: { prompt: 'web server' },
      });
      expect(res.statusCode, url).toBe(504);
      expect(res.json().error.code).toBe('LBE_AI_TIMEOUT');
      expect(JSON.stringify(res.json())).not.toContain('sk-runtime-test');
    }
    expect((await h.runtime.store.builds.list(h.tenantA, {})).items).toEqual([]);
  });
});
