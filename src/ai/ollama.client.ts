import { z } from 'zod';
import type { LlmChatOptions, LlmChatResult, LlmClient, LlmMessage } from './llm.client.js';
import { postLlmJson, unexpectedShape } from './llm-http.request.js';

export interface OllamaClientOptions {
  /** e.g. `http://127.0.0.1:11434` (OLLAMA_URL); a trailing slash is fine. */
  readonly baseUrl: string;
  /** OLLAMA_MODEL, e.g. `llama3.1`. */
  readonly model: string;
  /** OLLAMA_TIMEOUT in milliseconds: the default for every call. */
  readonly timeoutMs: number;
  /** Sampling temperature; low, so the same request gives (nearly) the same spec. Default 0.1. */
  readonly temperature?: number;
}

/** The part of Ollama's `/api/chat` answer we read (`stream: false`). */
const ollamaChatResponse = z.object({
  model: z.string(),
  message: z.object({ role: z.string(), content: z.string() }),
  done: z.boolean().optional(),
  prompt_eval_count: z.number().optional(),
  eval_count: z.number().optional(),
});

/**
 * Ollama's native API: `POST {baseUrl}/api/chat` with `{model, messages, stream: false, format: <JSON
 * Schema>, options: {temperature}}`. With a schema in `format`, Ollama constrains decoding to it
 * (structured outputs, Ollama ≥ 0.5); without one, no `format` is sent. Errors: see `LlmClient`.
 */
export class OllamaClient implements LlmClient {
  readonly provider = 'ollama' as const;
  readonly model: string;
  private readonly url: string;

  constructor(private readonly options: OllamaClientOptions) {
    this.model = options.model;
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/api/chat`;
  }

  async chat(messages: readonly LlmMessage[], options: LlmChatOptions = {}): Promise<LlmChatResult> {
    const body = {
      model: this.model,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      stream: false,
      ...(options.jsonSchema === undefined ? {} : { format: options.jsonSchema }),
      options: { temperature: this.options.temperature ?? 0.1 },
    };
    const raw = await postLlmJson({
      provider: 'ollama',
      url: this.url,
      body,
      timeoutMs: options.timeoutMs ?? this.options.timeoutMs,
      signal: options.signal,
    });
    const parsed = ollamaChatResponse.safeParse(raw);
    if (!parsed.success) throw unexpectedShape('ollama', this.url, 'no message.content');
    const { prompt_eval_count: promptTokens, eval_count: completionTokens } = parsed.data;
    return {
      content: parsed.data.message.content,
      model: parsed.data.model,
      ...(promptTokens === undefined && completionTokens === undefined
        ? {}
        : {
            usage: {
              ...(promptTokens === undefined ? {} : { promptTokens }),
              ...(completionTokens === undefined ? {} : { completionTokens }),
            },
          }),
    };
  }
}
