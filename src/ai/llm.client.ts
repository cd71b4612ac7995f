/**
 * The one seam between the engine and a language model. Implementations speak one wire protocol each
 * (`ollama.client.ts`, `openai.client.ts`); everything above (generation, chat) sees only this interface.
 */

/** One chat turn as every provider understands it. */
export interface LlmMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface LlmChatOptions {
  /**
   * JSON Schema the answer must follow. Sent to the provider so it constrains decoding (Ollama `format`,
   * OpenAI `response_format.json_schema`). The answer is still validated afterwards: constraints are a
   * hint, never a guarantee.
   */
  readonly jsonSchema?: Readonly<Record<string, unknown>>;
  /** Name the schema is sent under (OpenAI's `json_schema.name`); defaults to `response`. */
  readonly schemaName?: string;
  /** Aborts the request (e.g. the HTTP client went away); the abort reason is rethrown as is. */
  readonly signal?: AbortSignal;
  /** Overrides the client's default timeout for this call, in milliseconds. */
  readonly timeoutMs?: number;
}

export interface LlmUsage {
  readonly promptTokens?: number;
  readonly completionTokens?: number;
}

export interface LlmChatResult {
  /** The assistant's raw text; may hold prose or code fences around JSON. */
  readonly content: string;
  /** The model that answered, as the server names it. */
  readonly model: string;
  readonly usage?: LlmUsage;
}

/**
 * Contract: `chat` sends the whole conversation (it keeps no state), blocks until the complete answer
 * arrives (no streaming) or the timeout passes, and rejects only with
 * - LbeError LBE_AI_UNREACHABLE: connection failed, non-2xx status (the status is in the message and
 *   `details.status`), or an answer that is not the protocol's shape;
 * - LbeError LBE_AI_TIMEOUT: no complete answer within the timeout;
 * - the caller's `signal.reason` when the caller aborted.
 * Credentials are never put in messages, details or logs.
 */
export interface LlmClient {
  /** `ollama` or `openai`: which wire protocol this client speaks. */
  readonly provider: 'ollama' | 'openai';
  /** The model requests ask for. */
  readonly model: string;
  chat(messages: readonly LlmMessage[], options?: LlmChatOptions): Promise<LlmChatResult>;
}
