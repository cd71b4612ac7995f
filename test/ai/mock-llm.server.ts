import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted LLM server for tests, speaking the real wire protocols on 127.0.0.1:<random port>:
 * - Ollama `POST /api/chat` (`stream: false`) → `{model, created_at, message: {role, content}, done: true,
 *   done_reason: 'stop', total_duration, …, eval_count}`; an unknown model → 404 `{error: "model 'x' not found"}`
 *   exactly as Ollama answers;
 * - OpenAI `POST /v1/chat/completions` → `{id, object: 'chat.completion', created, model, choices: [{index: 0,
 *   message: {role: 'assistant', content}, finish_reason: 'stop'}], usage}`.
 * Each request takes the next scripted answer from the queue (an empty queue answers 500), and every
 * request is recorded (path, headers, parsed body) for assertions. Test-only.
 */

export type ScriptedAnswer =
  /** A normal completion whose assistant content is `content`, sent after `delayMs`. */
  | { readonly content: string; readonly delayMs?: number }
  /** An error status with a JSON body (e.g. `{error: '…'}`). */
  | { readonly status: number; readonly body: unknown; readonly delayMs?: number };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

export interface MockLlmOptions {
  /** Ollama answers 404 "model 'x' not found" for any other model. Default: every model exists. */
  readonly ollamaModels?: readonly string[];
}

export class MockLlmServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: ScriptedAnswer[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  private readonly server: Server;
  private address = '';

  private constructor(private readonly options: MockLlmOptions) {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return this.address;
  }

  static async start(options: MockLlmOptions = {}): Promise<MockLlmServer> {
    const mock = new MockLlmServer(options);
    await new Promise<void>((resolve) => mock.server.listen(0, '127.0.0.1', resolve));
    const { port } = mock.server.address() as AddressInfo;
    mock.address = `http://127.0.0.1:${port}`;
    return mock;
  }

  /** Queues answers, served in order, one per request. */
  enqueue(...answers: readonly (ScriptedAnswer | string)[]): this {
    for (const a of answers) this.queue.push(typeof a === 'string' ? { content: a } : a);
    return this;
  }

  /** Answers still queued (a test that scripted exactly what it needed expects 0). */
  /** Delayed answers whose client closed the connection before the answer was sent. */
  abandoned = 0;

  get pending(): number {
    return this.queue.length;
  }

  /** The `messages` array of the n-th recorded request. */
  messagesOf(n: number): { role: string; content: string }[] {
    return this.requests[n]?.body.messages as { role: string; content: string }[];
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const options = this.options;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      send(res, 400, { error: 'invalid JSON body' });
      return;
    }
    const path = req.url ?? '/';
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
    const isOllama = path === '/api/chat';
    const isOpenAi = path === '/v1/chat/completions';
    if (req.method !== 'POST' || (!isOllama && !isOpenAi)) {
      send(
        res,
        404,
        isOllama
          ? { error: 'not found' }
          : { error: { message: 'Not found', type: 'invalid_request_error' } },
      );
      return;
    }
    const model = typeof body.model === 'string' ? body.model : '';
    if (isOllama && options.ollamaModels !== undefined && !options.ollamaModels.includes(model)) {
      send(res, 404, { error: `model '${model}' not found` });
      return;
    }
    const answer = this.queue.shift() ?? { status: 500, body: { error: 'mock: no scripted answer left' } };
    const respond = (): void => {
      if (res.destroyed) return;
      if ('status' in answer) {
        send(res, answer.status, answer.body);
        return;
      }
      send(res, 200, isOllama ? ollamaAnswer(model, answer.content) : openAiAnswer(model, answer.content));
    };
    if (answer.delayMs === undefined) {
      respond();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      respond();
    }, answer.delayMs);
    this.timers.add(timer);
    res.on('close', () => {
      if (!res.writableFinished) this.abandoned += 1;
      clearTimeout(timer);
      this.timers.delete(timer);
    });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function ollamaAnswer(model: string, content: string): Record<string, unknown> {
  return {
    model,
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content },
    done: true,
    done_reason: 'stop',
    total_duration: 1_234_567,
    load_duration: 12_345,
    prompt_eval_count: 321,
    prompt_eval_duration: 100_000,
    eval_count: Math.max(1, Math.ceil(content.length / 4)),
    eval_duration: 900_000,
  };
}

let completionSeq = 0;

function openAiAnswer(model: string, content: string): Record<string, unknown> {
  completionSeq++;
  const completion = Math.max(1, Math.ceil(content.length / 4));
  return {
    id: `chatcmpl-mock${completionSeq}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: model === '' ? 'mock-model' : model,
    choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 321, completion_tokens: completion, total_tokens: 321 + completion },
  };
}
