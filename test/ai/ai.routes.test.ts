import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAiServices, type ConversationRepository } from '../../src/ai/index.js';
import { aiRoutes, createAiRoutesPlugin } from '../../src/api/routes/ai/ai.routes.js';
import type { Principal } from '../../src/builds/principal.js';
import { isLbeError } from '../../src/errors/index.js';
import { sqliteTarget, type OpenedStore } from '../../src/store/testing/store-targets.fixture.js';
import { INVALID_SPEC, json, WEB_SERVER_SPEC } from './ai.fixtures.js';
import { MockLlmServer } from './mock-llm.server.js';

const NO_LLM = {
  OLLAMA_URL: undefined,
  OLLAMA_MODEL: 'llama3.1',
  OLLAMA_TIMEOUT: 5000,
  LLM_PROVIDER: undefined,
  LLM_BASE_URL: undefined,
  LLM_API_KEY: undefined,
  LLM_MODEL: undefined,
  LLM_REPAIR_ATTEMPTS: 1,
};

/**
 * A tiny app: the zod compilers, a stand-in for the auth plugin (tenant from `x-tenant`), an error
 * handler that maps LbeError.status the way the real errors plugin does, and the AI routes.
 */
async function tinyApp(register: (app: FastifyInstance) => Promise<void>): Promise<FastifyInstance> {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const tenant = request.headers['x-tenant'];
    const principal: Principal = {
      tenantId: typeof tenant === 'string' ? tenant : 'none',
      scopes: [],
      method: 'env-key',
    };
    request.principal = principal;
    await Promise.resolve();
  });
  app.setErrorHandler((error, _request, reply) => {
    if (isLbeError(error)) {
      void reply.status(error.status).send({
        error: { code: error.code, message: error.message, requestId: 'test', issues: error.issues },
      });
      return;
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    void reply.status(status).send({
      error: {
        code: status === 400 ? 'LBE_API_VALIDATION' : 'LBE_API_INTERNAL',
        message: 'x',
        requestId: 'test',
      },
    });
  });
  await register(app);
  await app.ready();
  return app;
}

describe('AI routes (Fastify inject) against a mock LLM server', () => {
  let mock: MockLlmServer;
  let opened: OpenedStore;
  let app: FastifyInstance;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    mock = await MockLlmServer.start();
    opened = await sqliteTarget.open();
    tenantA = (await opened.store.organizations.create({ name: 'A', slug: 'a' })).id;
    tenantB = (await opened.store.organizations.create({ name: 'B', slug: 'b' })).id;
    const conversations: ConversationRepository = opened.store.conversations;
    const services = createAiServices({ config: { ...NO_LLM, OLLAMA_URL: mock.url }, conversations });
    app = await tinyApp(async (a) => {
      await a.register(aiRoutes, {
        generate: (prompt, { signal }) => services.generate(prompt, { signal }),
        chat: services,
      });
    });
  });
  afterAll(async () => {
    await app.close();
    await mock.close();
    await opened.cleanup();
  });
  afterEach(() => {
    mock.requests.length = 0;
    expect(mock.pending).toBe(0);
  });

  it('POST /api/build/generate → 200 {spec, warnings, summary, attempts}', async () => {
    mock.enqueue(json(WEB_SERVER_SPEC));
    const res = await app.inject({
      method: 'POST',
      url: '/api/build/generate',
      headers: { 'x-tenant': tenantA },
      payload: { prompt: 'web server' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.spec).toEqual(WEB_SERVER_SPEC);
    expect(body.summary).toContain('web-server: debian bookworm');
    expect(body.attempts).toBe(1);
    expect(Array.isArray(body.warnings)).toBe(true);
  });

  it('answers 422 LBE_AI_INVALID_OUTPUT with the issues when the model never recovers', async () => {
    mock.enqueue(json(INVALID_SPEC), json(INVALID_SPEC));
    const res = await app.inject({
      method: 'POST',
      url: '/api/build/generate',
      headers: { 'x-tenant': tenantA },
      payload: { prompt: 'web server' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('LBE_AI_INVALID_OUTPUT');
    expect(res.json().error.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'users[0].name' })]),
    );
  });

  it('answers 400 LBE_AI_PROMPT_INVALID for an empty prompt and 400 for an unknown body field', async () => {
    const empty = await app.inject({
      method: 'POST',
      url: '/api/build/generate',
      headers: { 'x-tenant': tenantA },
      payload: { prompt: ' ' },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('LBE_AI_PROMPT_INVALID');
    const extra = await app.inject({
      method: 'POST',
      url: '/api/build/generate',
      headers: { 'x-tenant': tenantA },
      payload: { prompt: 'x', model: 'gpt' },
    });
    expect(extra.statusCode).toBe(400);
  });

  it('answers 504 LBE_AI_TIMEOUT when the model is too slow', async () => {
    const slow = await tinyApp(async (a) => {
      const services = createAiServices({
        config: { ...NO_LLM, OLLAMA_URL: mock.url, OLLAMA_TIMEOUT: 1000 },
        conversations: opened.store.conversations,
      });
      await a.register(
        createAiRoutesPlugin({
          generate: (p, { signal }) => services.generate(p, { signal }),
          chat: services,
        }),
      );
    });
    mock.enqueue({ content: json(WEB_SERVER_SPEC), delayMs: 2500 });
    const res = await slow.inject({
      method: 'POST',
      url: '/api/build/generate',
      headers: { 'x-tenant': tenantA },
      payload: { prompt: 'web server' },
    });
    expect(res.statusCode).toBe(504);
    expect(res.json().error.code).toBe('LBE_AI_TIMEOUT');
    await slow.close();
  });

  it('answers 501 LBE_AI_NOT_CONFIGURED when no LLM is configured', async () => {
    const bare = await tinyApp(async (a) => {
      const services = createAiServices({ config: NO_LLM, conversations: opened.store.conversations });
      await a.register(aiRoutes, {
        generate: (p, { signal }) => services.generate(p, { signal }),
        chat: services,
      });
    });
    for (const [url, payload] of [
      ['/api/build/generate', { prompt: 'web server' }],
      ['/api/build/chat', { message: 'web server' }],
    ] as const) {
      const res = await bare.inject({ method: 'POST', url, headers: { 'x-tenant': tenantA }, payload });
      expect(res.statusCode).toBe(501);
      expect(res.json().error.code).toBe('LBE_AI_NOT_CONFIGURED');
    }
    await bare.close();
  });

  it('POST /api/build/chat: turns continue a conversation; another tenant gets 404', async () => {
    mock.enqueue(json({ message: 'Started.', spec: { name: 'web', base: 'debian' } }));
    const first = await app.inject({
      method: 'POST',
      url: '/api/build/chat',
      headers: { 'x-tenant': tenantA },
      payload: { message: 'a debian server' },
    });
    expect(first.statusCode).toBe(200);
    const t1 = first.json();
    expect(t1).toMatchObject({
      message: 'Started.',
      isComplete: true,
      spec: { name: 'web', base: 'debian' },
    });

    mock.enqueue(
      json({ message: 'Added nginx.', spec: { name: 'web', base: 'debian', packages: ['nginx'] } }),
    );
    const second = await app.inject({
      method: 'POST',
      url: '/api/build/chat',
      headers: { 'x-tenant': tenantA },
      payload: { conversationId: t1.conversationId, message: 'add nginx' },
    });
    expect(second.statusCode).toBe(200);
    expect(second.json().diff).toEqual([{ path: 'packages', kind: 'added', new: ['nginx'] }]);
    expect(mock.messagesOf(1)).toHaveLength(4);

    const other = await app.inject({
      method: 'POST',
      url: '/api/build/chat',
      headers: { 'x-tenant': tenantB },
      payload: { conversationId: t1.conversationId, message: 'show me' },
    });
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('LBE_AI_CONVERSATION_NOT_FOUND');
  });
});
