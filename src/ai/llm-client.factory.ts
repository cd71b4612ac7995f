import type { Config } from '../config/index.js';
import { LbeError } from '../errors/index.js';
import type { LlmClient } from './llm.client.js';
import { OllamaClient } from './ollama.client.js';
import { OpenAiClient } from './openai.client.js';

/** The settings `createLlmClient` reads; a `Config` satisfies it. */
export type LlmSettings = Pick<
  Config,
  | 'OLLAMA_URL'
  | 'OLLAMA_MODEL'
  | 'OLLAMA_TIMEOUT'
  | 'LLM_PROVIDER'
  | 'LLM_BASE_URL'
  | 'LLM_API_KEY'
  | 'LLM_MODEL'
>;

/**
 * Picks the LLM client from the settings:
 * - `LLM_PROVIDER=ollama` → Ollama at OLLAMA_URL (or LLM_BASE_URL), model LLM_MODEL ?? OLLAMA_MODEL;
 * - `LLM_PROVIDER=openai` → OpenAI-compatible at LLM_BASE_URL, model LLM_MODEL ?? OLLAMA_MODEL, key LLM_API_KEY;
 * - no provider: LLM_BASE_URL set → OpenAI-compatible; else OLLAMA_URL set → Ollama.
 * Both use OLLAMA_TIMEOUT as the per-call timeout. Nothing usable → LbeError LBE_AI_NOT_CONFIGURED naming
 * the settings to set. Creates no connection.
 */
export function createLlmClient(settings: LlmSettings): LlmClient {
  const provider =
    settings.LLM_PROVIDER ??
    (settings.LLM_BASE_URL !== undefined
      ? 'openai'
      : settings.OLLAMA_URL !== undefined
        ? 'ollama'
        : undefined);
  const model = settings.LLM_MODEL ?? settings.OLLAMA_MODEL;
  switch (provider) {
    case 'ollama': {
      const baseUrl = settings.OLLAMA_URL ?? settings.LLM_BASE_URL;
      if (baseUrl === undefined) {
        throw new LbeError(
          'LBE_AI_NOT_CONFIGURED',
          'LLM_PROVIDER=ollama needs OLLAMA_URL (e.g. http://127.0.0.1:11434)',
        );
      }
      return new OllamaClient({ baseUrl, model, timeoutMs: settings.OLLAMA_TIMEOUT });
    }
    case 'openai': {
      if (settings.LLM_BASE_URL === undefined) {
        throw new LbeError(
          'LBE_AI_NOT_CONFIGURED',
          'LLM_PROVIDER=openai needs LLM_BASE_URL (e.g. http://127.0.0.1:8080 for llama.cpp), LLM_MODEL and, for hosted APIs, LLM_API_KEY',
        );
      }
      return new OpenAiClient({
        baseUrl: settings.LLM_BASE_URL,
        model,
        apiKey: settings.LLM_API_KEY,
        timeoutMs: settings.OLLAMA_TIMEOUT,
      });
    }
    case undefined:
      throw new LbeError(
        'LBE_AI_NOT_CONFIGURED',
        'No LLM is configured: set OLLAMA_URL (and OLLAMA_MODEL) for Ollama, or LLM_BASE_URL (with LLM_MODEL and, if needed, LLM_API_KEY) for an OpenAI-compatible server; LLM_PROVIDER chooses when both are set',
      );
  }
}
