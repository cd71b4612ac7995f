import { z } from 'zod';
import type { LlmChatOptions, LlmChatResult, LlmClient, LlmMessage } from './llm.client.js';
import { postLlmJson, unexpectedShape } from './llm-http.request.js';

export interface OpenAiClientOptions {
  /**
   * LLM_BASE_URL: the server root (`http://127.0.0.1:8080`) or its `/v1` (`https://api.example.com/v1`);
   * requests go to `…/v1/chat/completions` either way.
   */
  readonly baseUrl: string;
  /** LLM_MODEL; servers that host one model (llama.cpp) ignore it. */
  readonly model: string;
  /** LLM_API_KEY, sent as `Authorization: Bearer …` when set; never logged or put in errors. */
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
  /** Default 0.1. */
  readonly temperature?: number;
}

const openAiChatResponse = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({ role: z.string().optional(), content: z.string().nullable() }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() })
    .nullable()
    .optional(),
});

/** `http://h:8080`, `http://h:8080/`, `http://h:8080/v1` → `http://h:8080/v1/chat/completions`. */
export function openAiChatUrl(baseUrl: string): string {
  const root = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${root}/v1/chat/completions`;
}

/**
 * The OpenAI chat-completions protocol, as llama.cpp's server, vLLM, LM Studio and hosted APIs speak it:
 * `POST …/v1/chat/completions` with `{model, messages, temperature, stream: false, response_format:
 * {type: 'json_schema', json_schema: {name, schema, strict: false}}}`.
 * `strict` is false on purpose: OpenAI's strict mode rejects schemas with optional properties, and most of
 * the BuildSpec is optional; llama.cpp and vLLM constrain decoding to the schema either way.
 * Errors: see `LlmClient`.
 */
export class OpenAiClient implements LlmClient {
  readonly provider = 'openai' as const;
  readonly model: string;
  private readonly url: string;

  constructor(private readonly options: OpenAiClientOptions) {
    this.model = options.model;
    this.url = openAiChatUrl(options.baseUrl);
  }

  async chat(messages: readonly LlmMessage[], options: LlmChatOptions = {}): Promise<LlmChatResult> {
    const body = {
      model: this.model,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      temperature: this.options.temperature ?? 0.1,
      stream: false,
      ...(options.jsonSchema === undefined
        ? {}
        : {
            response_format: {
              type: 'json_schema',
              json_schema: {
                name: options.schemaName ?? 'response',
                schema: options.jsonSchema,
                strict: false,
              },
            },
          }),
    };
    const apiKey = this.options.apiKey;
    const raw = await postLlmJson({
      provider: 'openai',
      url: this.url,
      body,
      headers: apiKey === undefined || apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` },
      timeoutMs: options.timeoutMs ?? this.options.timeoutMs,
      signal: options.signal,
      secrets: [apiKey],
    });
    const parsed = openAiChatResponse.safeParse(raw);
    const choice = parsed.success ? parsed.data.choices[0] : undefined;
    if (!parsed.success || choice === undefined) {
      throw unexpectedShape('openai', this.url, 'no choices[0].message');
    }
    const usage = parsed.data.usage;
    return {
      content: choice.message.content ?? '',
      model: parsed.data.model ?? this.model,
      ...(usage === undefined || usage === null
        ? {}
        : {
            usage: {
              ...(usage.prompt_tokens === undefined ? {} : { promptTokens: usage.prompt_tokens }),
              ...(usage.completion_tokens === undefined ? {} : { completionTokens: usage.completion_tokens }),
            },
          }),
    };
  }
}
