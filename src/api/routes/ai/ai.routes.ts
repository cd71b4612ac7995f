import type { FastifyPluginAsync } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChatTurnInput, ChatTurnResult, GeneratedSpec } from '../../../ai/index.js';
import { clientGone } from '../../http/client-gone.js';
import { requirePrincipal } from '../../plugins/auth.plugin.js';
import { COMMON_ERRORS, errorResponses } from '../../schemas/error.schema.js';

/** What the routes need; `createAiServices` (src/ai) builds both from the config and the store. */
export interface AiRoutesOptions {
  /** Plain English → validated spec (`generateSpec` bound to a client). */
  readonly generate: (
    prompt: string,
    context: { readonly tenantId: string; readonly signal: AbortSignal },
  ) => Promise<GeneratedSpec>;
  /** One conversational turn (`ChatService.chat`). */
  readonly chat: { chat(input: ChatTurnInput): Promise<ChatTurnResult> };
}

const issueSchema = z.object({ path: z.string(), message: z.string() });
const specObjectSchema = z.record(z.string(), z.unknown()).describe('A BuildSpec (see docs/buildspec.md)');

const generateBody = z.strictObject({
  prompt: z
    .string()
    .max(16_000)
    .describe('What to build, in plain English (at most 4000 characters after trimming)'),
});
const generateResponse = z
  .object({
    spec: specObjectSchema,
    warnings: z.array(issueSchema),
    summary: z.string().describe('What will be built, one fact per line'),
    attempts: z.number().int().describe('LLM calls made (1 = the first answer was valid)'),
  })
  .meta({ id: 'GeneratedSpec' });

const chatBody = z.strictObject({
  conversationId: z.string().min(1).max(128).optional().describe('Omit to start a new conversation'),
  message: z.string().max(16_000),
});
const changeSchema = z.object({
  path: z.string(),
  kind: z.enum(['added', 'removed', 'changed']),
  old: z.unknown().optional(),
  new: z.unknown().optional(),
});
const chatResponse = z
  .object({
    conversationId: z.string(),
    message: z.string().describe("The assistant's short reply"),
    spec: specObjectSchema,
    isComplete: z.boolean().describe('The spec is valid and can be built as is'),
    diff: z.array(changeSchema).describe('What changed in the spec since the previous turn'),
    errors: z.array(issueSchema).describe('Why the spec is not complete yet'),
    warnings: z.array(issueSchema),
    summary: z.string().optional(),
  })
  .meta({ id: 'ChatTurn' });

const AI_ERRORS = [...COMMON_ERRORS, 422, 501, 502, 504] as const;

/**
 * `POST /api/build/generate` `{prompt}` → `{spec, warnings, summary, attempts}` and
 * `POST /api/build/chat` `{conversationId?, message}` → `{conversationId, message, spec, isComplete, diff,
 * errors, warnings, summary?}`. Register under the authenticated scope (the tenant comes from
 * `requirePrincipal`) with the zod type provider's compilers and an error handler that maps LbeError:
 * 400 LBE_AI_PROMPT_INVALID, 404 LBE_AI_CONVERSATION_NOT_FOUND, 422 LBE_AI_INVALID_OUTPUT,
 * 501 LBE_AI_NOT_CONFIGURED, 502 LBE_AI_UNREACHABLE, 504 LBE_AI_TIMEOUT.
 */
export const aiRoutes: FastifyPluginAsyncZod<AiRoutesOptions> = (app, options) => {
  app.post(
    '/api/build/generate',
    {
      schema: {
        tags: ['ai'],
        summary: 'Turn a plain-English request into a validated BuildSpec',
        body: generateBody,
        response: { 200: generateResponse, ...errorResponses(...AI_ERRORS) },
      },
    },
    async (request, reply) => {
      const { tenantId } = requirePrincipal(request);
      const result = await options.generate(request.body.prompt, { tenantId, signal: clientGone(reply) });
      return {
        spec: result.spec,
        warnings: [...result.warnings],
        summary: result.summary,
        attempts: result.attempts,
      };
    },
  );
  app.post(
    '/api/build/chat',
    {
      schema: {
        tags: ['ai'],
        summary: 'Refine a BuildSpec in conversation with the LLM',
        body: chatBody,
        response: { 200: chatResponse, ...errorResponses(...AI_ERRORS, 404) },
      },
    },
    async (request, reply) => {
      const { tenantId } = requirePrincipal(request);
      const turn = await options.chat.chat({
        tenantId,
        conversationId: request.body.conversationId,
        message: request.body.message,
        signal: clientGone(reply),
      });
      return {
        ...turn,
        diff: [...turn.diff],
        errors: [...turn.errors],
        warnings: [...turn.warnings],
      };
    },
  );
  return Promise.resolve();
};

/** `aiRoutes` with its services bound, for `AppDeps.extraRoutes` (which takes option-less plugins). */
export function createAiRoutesPlugin(options: AiRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    await app.register(aiRoutes, options);
  };
}
