import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { ChatService, type ChatTurnInput, type ChatTurnResult } from './chat.service.js';
import type { ConversationRepository } from './conversation.repository.js';
import { createLlmClient, type LlmSettings } from './llm-client.factory.js';
import type { LlmClient } from './llm.client.js';
import { generateSpec, type GeneratedSpec } from './spec-generator.service.js';

export interface AiServicesOptions {
  readonly config: LlmSettings & Pick<Config, 'LLM_REPAIR_ATTEMPTS'>;
  /** `store.conversations` in production. */
  readonly conversations: ConversationRepository;
  /** Overrides the client chosen from `config` (tests, or a custom provider). */
  readonly client?: LlmClient | undefined;
  /** Pass the store's clock so conversation expiry agrees with the store. */
  readonly clock?: (() => number) | undefined;
  readonly logger?: Pick<Logger, 'debug' | 'warn'> | undefined;
}

/** The AI features as the API and `BuildService` use them. */
export interface AiServices {
  /** `generateSpec` with the configured client and LLM_REPAIR_ATTEMPTS. */
  generate(prompt: string, context?: { readonly signal?: AbortSignal | undefined }): Promise<GeneratedSpec>;
  /** One conversational turn. */
  chat(input: ChatTurnInput): Promise<ChatTurnResult>;
}

/**
 * Wires the AI services from the config. Never throws: with no LLM configured the server still starts,
 * and every call rejects with LBE_AI_NOT_CONFIGURED (501) naming the settings to set. Opens no
 * connection until a call is made.
 */
export function createAiServices(options: AiServicesOptions): AiServices {
  let client: LlmClient | undefined = options.client;
  let notConfigured: Error | undefined;
  if (client === undefined) {
    try {
      client = createLlmClient(options.config);
    } catch (err) {
      notConfigured = err instanceof Error ? err : new Error(String(err));
    }
  }
  const requireClient = (): LlmClient => {
    if (client === undefined) throw notConfigured ?? new Error('no LLM client');
    return client;
  };
  const repairAttempts = options.config.LLM_REPAIR_ATTEMPTS;
  let chatService: ChatService | undefined;
  return {
    generate: async (prompt, context = {}) =>
      await generateSpec(prompt, {
        client: requireClient(),
        repairAttempts,
        signal: context.signal,
        logger: options.logger,
      }),
    chat: async (input) => {
      chatService ??= new ChatService({
        client: requireClient(),
        conversations: options.conversations,
        repairAttempts,
        clock: options.clock,
        logger: options.logger,
      });
      return await chatService.chat(input);
    },
  };
}
