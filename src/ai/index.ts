export type { LlmChatOptions, LlmChatResult, LlmClient, LlmMessage, LlmUsage } from './llm.client.js';
export { OllamaClient, type OllamaClientOptions } from './ollama.client.js';
export { OpenAiClient, openAiChatUrl, type OpenAiClientOptions } from './openai.client.js';
export { createLlmClient, type LlmSettings } from './llm-client.factory.js';
export { buildSpecJsonSchema, chatAnswerJsonSchema } from './spec-json-schema.js';
export { MAX_PROMPT_CHARS, guardUserText, fenceUserText, type GuardedPrompt } from './prompt-guard.js';
export { generationSystemPrompt, chatSystemPrompt } from './spec-prompt.builder.js';
export { extractJsonObject, type JsonExtraction } from './json-extract.js';
export { summarizeSpec } from './spec-summary.js';
export { diffSpecs, type SpecChange } from './spec-diff.js';
export {
  generateSpec,
  DEFAULT_REPAIR_ATTEMPTS,
  type GenerateSpecOptions,
  type GeneratedSpec,
} from './spec-generator.service.js';
export type {
  ConversationRepository,
  ConversationWrite,
  StoredConversation,
} from './conversation.repository.js';
export {
  ChatService,
  CONVERSATION_MAX_MESSAGES,
  CONVERSATION_TTL_MS,
  type ChatServiceOptions,
  type ChatTurnInput,
  type ChatTurnResult,
} from './chat.service.js';
export { createAiServices, type AiServices, type AiServicesOptions } from './ai-services.factory.js';
