import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  buildSpecJsonSchema,
  createLlmClient,
  OllamaClient,
  OpenAiClient,
  openAiChatUrl,
  type LlmSettings,
} from '../../src/ai/index.js';
import { LbeError } from '../../src/errors/index.js';
import { MockLlmServer } from './mock-llm.server.js';

const SETTINGS: LlmSettings = {
  OLLAMA_URL: undefined,
  OLLAMA_MODEL: 'llama3.1',
  OLLAMA_TIMEOUT: 5000,
  LLM_PROVIDER: undefined,
  LLM_BASE_URL: undefined,
  LLM_API_KEY: undefined,
  LLM_MODEL: undefined,
};

async function rejection(p: Promise<unknown>): Promise<LbeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof LbeError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** A port nothing listens on: bind, read the port, close. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    srv.close(() => {
      resolve();
    }),
  );
  return port;
}

const messages = [
  { role: 'system', content: 'sys' },
  { role: 'user', content: 'hello' },
] as const;

describe('LLM clients against a mock server speaking the real protocols', () => {
  let mock: MockLlmServer;
  beforeAll(async () => {
    mock = await MockLlmServer.start({ ollamaModels: ['llama3.1'] });
  });
  afterAll(async () => {
    await mock.close();
  });
  afterEach(() => {
    mock.requests.length = 0;
    expect(mock.pending).toBe(0);
  });

  describe('Ollama', () => {
    it('posts /api/chat with stream false, the schema as format and a low temperature', async () => {
      mock.enqueue('{"ok":true}');
      const client = new OllamaClient({ baseUrl: `${mock.url}/`, model: 'llama3.1', timeoutMs: 5000 });
      const schema = buildSpecJsonSchema();
      const result = await client.chat(messages, { jsonSchema: schema });
      expect(result).toEqual({
        content: '{"ok":true}',
        model: 'llama3.1',
        usage: { promptTokens: 321, completionTokens: 3 },
      });
      const [req] = mock.requests;
      expect(req?.path).toBe('/api/chat');
      expect(req?.body).toMatchObject({ model: 'llama3.1', stream: false, options: { temperature: 0.1 } });
      expect(req?.body.format).toEqual(schema);
      expect(req?.body.messages).toEqual(messages);
      expect(req?.headers.authorization).toBeUndefined();
    });

    it("maps Ollama's 404 model-not-found to LBE_AI_UNREACHABLE with the status and Ollama's reason", async () => {
      const client = new OllamaClient({ baseUrl: mock.url, model: 'nope', timeoutMs: 5000 });
      const err = await rejection(client.chat(messages));
      expect(err.code).toBe('LBE_AI_UNREACHABLE');
      expect(err.status).toBe(502);
      expect(err.message).toContain('HTTP 404');
      expect(err.message).toContain("model 'nope' not found");
      expect(err.details.status).toBe(404);
    });

    it('maps a 500 to LBE_AI_UNREACHABLE', async () => {
      mock.enqueue({ status: 500, body: { error: 'llama runner process has terminated' } });
      const client = new OllamaClient({ baseUrl: mock.url, model: 'llama3.1', timeoutMs: 5000 });
      const err = await rejection(client.chat(messages));
      expect(err.code).toBe('LBE_AI_UNREACHABLE');
      expect(err.message).toContain('HTTP 500');
    });

    it('maps a slow answer past the timeout to LBE_AI_TIMEOUT (504)', async () => {
      mock.enqueue({ content: '{}', delayMs: 2000 });
      const client = new OllamaClient({ baseUrl: mock.url, model: 'llama3.1', timeoutMs: 5000 });
      const started = Date.now();
      const err = await rejection(client.chat(messages, { timeoutMs: 200 }));
      expect(err.code).toBe('LBE_AI_TIMEOUT');
      expect(err.status).toBe(504);
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('rethrows the caller abort reason as is', async () => {
      mock.enqueue({ content: '{}', delayMs: 2000 });
      const client = new OllamaClient({ baseUrl: mock.url, model: 'llama3.1', timeoutMs: 5000 });
      const controller = new AbortController();
      const reason = new Error('client went away');
      setTimeout(() => {
        controller.abort(reason);
      }, 100);
      await expect(client.chat(messages, { signal: controller.signal })).rejects.toBe(reason);
    });

    it('maps a refused connection to LBE_AI_UNREACHABLE', async () => {
      const port = await closedPort();
      const client = new OllamaClient({ baseUrl: `http://127.0.0.1:${port}`, model: 'x', timeoutMs: 2000 });
      const err = await rejection(client.chat(messages));
      expect(err.code).toBe('LBE_AI_UNREACHABLE');
      expect(err.message).toContain('could not be reached (ECONNREFUSED)');
    });

    it('rejects a 200 answer that is not the protocol shape', async () => {
      mock.enqueue({ status: 200, body: { hello: 'world' } });
      const client = new OllamaClient({ baseUrl: mock.url, model: 'llama3.1', timeoutMs: 5000 });
      const err = await rejection(client.chat(messages));
      expect(err.code).toBe('LBE_AI_UNREACHABLE');
      expect(err.message).toContain('unexpected shape');
    });
  });

  describe('OpenAI-compatible', () => {
    it('posts /v1/chat/completions with response_format json_schema and the bearer key', async () => {
      mock.enqueue('{"name":"x"}');
      const client = new OpenAiClient({
        baseUrl: `${mock.url}/v1/`,
        model: 'qwen2.5',
        apiKey: 'sk-test-secret-123456',
        timeoutMs: 5000,
      });
      const schema = buildSpecJsonSchema();
      const result = await client.chat(messages, { jsonSchema: schema, schemaName: 'BuildSpec' });
      expect(result.content).toBe('{"name":"x"}');
      expect(result.model).toBe('qwen2.5');
      expect(result.usage).toEqual({ promptTokens: 321, completionTokens: 3 });
      const [req] = mock.requests;
      expect(req?.path).toBe('/v1/chat/completions');
      expect(req?.headers.authorization).toBe('Bearer sk-test-secret-123456');
      expect(req?.body).toMatchObject({ model: 'qwen2.5', stream: false, temperature: 0.1 });
      expect(req?.body.response_format).toEqual({
        type: 'json_schema',
        json_schema: { name: 'BuildSpec', schema, strict: false },
      });
    });

    it('sends no Authorization header without a key', async () => {
      mock.enqueue('{}');
      const client = new OpenAiClient({ baseUrl: mock.url, model: 'm', timeoutMs: 5000 });
      await client.chat(messages);
      expect(mock.requests[0]?.headers.authorization).toBeUndefined();
      expect(mock.requests[0]?.body.response_format).toBeUndefined();
    });

    it('never puts the API key in an error, even when the server echoes it', async () => {
      mock.enqueue({
        status: 401,
        body: { error: { message: 'Incorrect API key provided: sk-test-secret-123456', type: 'auth' } },
      });
      const client = new OpenAiClient({
        baseUrl: mock.url,
        model: 'm',
        apiKey: 'sk-test-secret-123456',
        timeoutMs: 5000,
      });
      const err = await rejection(client.chat(messages));
      expect(err.code).toBe('LBE_AI_UNREACHABLE');
      expect(err.message).toContain('HTTP 401');
      expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain('secret-123456');
    });

    it('maps a slow answer to LBE_AI_TIMEOUT', async () => {
      mock.enqueue({ content: '{}', delayMs: 2000 });
      const client = new OpenAiClient({ baseUrl: mock.url, model: 'm', timeoutMs: 150 });
      expect((await rejection(client.chat(messages))).code).toBe('LBE_AI_TIMEOUT');
    });

    it('builds the endpoint from a root or /v1 base URL', () => {
      expect(openAiChatUrl('http://h:8080')).toBe('http://h:8080/v1/chat/completions');
      expect(openAiChatUrl('http://h:8080/v1')).toBe('http://h:8080/v1/chat/completions');
      expect(openAiChatUrl('https://api.example.com/v1/')).toBe(
        'https://api.example.com/v1/chat/completions',
      );
    });
  });

  describe('createLlmClient', () => {
    it('answers LBE_AI_NOT_CONFIGURED naming the settings when nothing is set', () => {
      let err: unknown;
      try {
        createLlmClient(SETTINGS);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LbeError);
      expect((err as LbeError).code).toBe('LBE_AI_NOT_CONFIGURED');
      expect((err as LbeError).status).toBe(501);
      expect((err as LbeError).message).toMatch(/OLLAMA_URL.*LLM_BASE_URL/);
    });

    it('picks the client by provider or by which URL is set', () => {
      const ollama = createLlmClient({ ...SETTINGS, OLLAMA_URL: mock.url });
      expect(ollama.provider).toBe('ollama');
      expect(ollama.model).toBe('llama3.1');
      const openai = createLlmClient({ ...SETTINGS, LLM_BASE_URL: mock.url, LLM_MODEL: 'qwen' });
      expect(openai.provider).toBe('openai');
      expect(openai.model).toBe('qwen');
      const both = { ...SETTINGS, OLLAMA_URL: mock.url, LLM_BASE_URL: mock.url };
      expect(createLlmClient(both).provider).toBe('openai');
      expect(createLlmClient({ ...both, LLM_PROVIDER: 'ollama' }).provider).toBe('ollama');
      expect(() => createLlmClient({ ...SETTINGS, LLM_PROVIDER: 'openai', OLLAMA_URL: mock.url })).toThrow(
        /LLM_BASE_URL/,
      );
    });

    it('the picked client really talks to the configured server', async () => {
      mock.enqueue('{"a":1}');
      const client = createLlmClient({ ...SETTINGS, OLLAMA_URL: mock.url });
      expect((await client.chat(messages)).content).toBe('{"a":1}');
      expect(mock.requests[0]?.path).toBe('/api/chat');
    });
  });
});
