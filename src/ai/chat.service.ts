import type { Logger } from 'pino';
import { LbeError } from '../errors/index.js';
import type { SpecIssue } from '../spec/index.js';
import type { ConversationRepository } from './conversation.repository.js';
import type { LlmClient, LlmMessage } from './llm.client.js';
import { fenceUserText, guardUserText } from './prompt-guard.js';
import { DEFAULT_REPAIR_ATTEMPTS, specVerdict, type CheckedSpec } from './spec-generator.service.js';
import { chatAnswerJsonSchema } from './spec-json-schema.js';
import { chatSystemPrompt, repairForUnparseable } from './spec-prompt.builder.js';
import { diffSpecs, type SpecChange } from './spec-diff.js';
import { runRepairLoop, type CandidateVerdict } from './spec-repair.loop.js';
import { summarizeSpec } from './spec-summary.js';

/** Messages kept per conversation (user and assistant turns; the system prompt is never stored). */
export const CONVERSATION_MAX_MESSAGES = 20;
/** A conversation expires this long after its last turn. */
export const CONVERSATION_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_REPLY_CHARS = 1000;

export interface ChatServiceOptions {
  readonly client: LlmClient;
  readonly conversations: ConversationRepository;
  readonly repairAttempts?: number | undefined;
  /** Epoch milliseconds; pass the store's clock so expiry agrees with the store. */
  readonly clock?: (() => number) | undefined;
  readonly logger?: Pick<Logger, 'debug' | 'warn'> | undefined;
}

export interface ChatTurnInput {
  /** The caller's tenant: conversations of other tenants do not exist for it. */
  readonly tenantId: string;
  /** Omit to start a new conversation. */
  readonly conversationId?: string | undefined;
  readonly message: string;
  readonly signal?: AbortSignal | undefined;
}

export interface ChatTurnResult {
  readonly conversationId: string;
  /** The assistant's short reply. */
  readonly message: string;
  /** The whole spec after this turn, as the model wrote it. */
  readonly spec: Record<string, unknown>;
  /** True when `spec` passes validateSpec with no errors (it can be built as is). */
  readonly isComplete: boolean;
  /** What changed since the previous turn (everything is `added` on the first turn). */
  readonly diff: readonly SpecChange[];
  /** Why the spec is not complete yet; empty when `isComplete`. */
  readonly errors: readonly SpecIssue[];
  readonly warnings: readonly SpecIssue[];
  /** What will be built, when complete. */
  readonly summary?: string | undefined;
}

interface ChatAnswer {
  readonly message: string;
  readonly spec: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads `{message, spec}`; a bare spec (small models forget the envelope) is accepted as `spec` with no
 * message. Undefined when there is no spec object at all.
 */
function readAnswer(candidate: Record<string, unknown>): ChatAnswer | undefined {
  if (isRecord(candidate.spec)) {
    const message = typeof candidate.message === 'string' ? candidate.message.trim() : '';
    return { message: message.slice(0, MAX_REPLY_CHARS), spec: candidate.spec };
  }
  if ('base' in candidate || 'name' in candidate) return { message: '', spec: candidate };
  return undefined;
}

/**
 * Conversational refinement of a spec. Each turn sends the constant chat system prompt, the stored
 * history and the new (guarded, fenced) user message; the model answers `{message, spec}` with the whole
 * spec. An invalid spec is sent back for repair like in `generateSpec`; if it is still invalid the turn
 * succeeds anyway with `isComplete: false` and the problems in `errors`, so the person can keep talking.
 * Only an answer with no spec object at all fails: LBE_AI_INVALID_OUTPUT.
 * Storage: the last CONVERSATION_MAX_MESSAGES messages, expiring CONVERSATION_TTL_MS after the last turn.
 * Two turns racing on one conversation: the later write wins (no locking).
 */
export class ChatService {
  private readonly clock: () => number;

  constructor(private readonly options: ChatServiceOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /**
   * One turn. Errors: LBE_AI_PROMPT_INVALID (empty/too long message), LBE_AI_CONVERSATION_NOT_FOUND
   * (unknown, expired or another tenant's id), LBE_AI_INVALID_OUTPUT, and the client's LLM errors.
   */
  async chat(input: ChatTurnInput): Promise<ChatTurnResult> {
    const guarded = guardUserText(input.message);
    if (guarded.neutralised.length > 0) {
      this.options.logger?.warn({ markers: guarded.neutralised }, 'prompt-injection markers neutralised');
    }
    const existing =
      input.conversationId === undefined
        ? undefined
        : await this.options.conversations.get(input.tenantId, input.conversationId);
    if (input.conversationId !== undefined && existing === undefined) {
      throw new LbeError('LBE_AI_CONVERSATION_NOT_FOUND');
    }
    const history = (existing?.messages ?? []).filter((m) => m.role !== 'system');
    const userTurn: LlmMessage = { role: 'user', content: fenceUserText(guarded.text) };

    const result = await runRepairLoop(
      [{ role: 'system', content: chatSystemPrompt() }, ...history, userTurn],
      {
        client: this.options.client,
        repairAttempts: this.options.repairAttempts ?? DEFAULT_REPAIR_ATTEMPTS,
        jsonSchema: chatAnswerJsonSchema(),
        schemaName: 'ChatAnswer',
        signal: input.signal,
        logger: this.options.logger,
      },
      (candidate): CandidateVerdict<ChatAnswer & { checked: CheckedSpec }> => {
        const answer = readAnswer(candidate);
        if (answer === undefined) {
          const reason = 'the answer had no "spec" object';
          return {
            ok: false,
            errors: [{ path: 'spec', message: reason }],
            repairMessage: repairForUnparseable(reason),
          };
        }
        const verdict = specVerdict(answer.spec, 'spec.');
        return verdict.ok ? { ok: true, value: { ...answer, checked: verdict.value } } : verdict;
      },
    );

    let answer: ChatAnswer;
    let errors: readonly SpecIssue[] = [];
    let warnings: readonly SpecIssue[] = [];
    let summary: string | undefined;
    if (result.ok) {
      answer = result.value;
      warnings = result.value.checked.warnings;
      summary = summarizeSpec(result.value.checked.normalized);
    } else {
      const last = result.lastObject === undefined ? undefined : readAnswer(result.lastObject);
      if (last === undefined) {
        throw new LbeError(
          'LBE_AI_INVALID_OUTPUT',
          `The LLM did not produce a build spec after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`,
          { issues: result.errors, details: { attempts: result.attempts, model: this.options.client.model } },
        );
      }
      answer = last;
      errors = result.errors;
    }
    const isComplete = errors.length === 0;
    const message =
      answer.message !== ''
        ? answer.message
        : isComplete
          ? 'Here is the updated spec.'
          : 'Here is the spec so far; it still has problems to resolve.';

    const assistantTurn: LlmMessage = {
      role: 'assistant',
      content: JSON.stringify({ message, spec: answer.spec }),
    };
    const stored = [...history, userTurn, assistantTurn].slice(-CONVERSATION_MAX_MESSAGES);
    const write = { messages: stored, spec: answer.spec, expiresAt: this.clock() + CONVERSATION_TTL_MS };
    const saved =
      existing === undefined
        ? await this.options.conversations.create(input.tenantId, write)
        : await this.options.conversations.update(input.tenantId, existing.id, write);
    if (saved === undefined) throw new LbeError('LBE_AI_CONVERSATION_NOT_FOUND');

    return {
      conversationId: saved.id,
      message,
      spec: answer.spec,
      isComplete,
      diff: diffSpecs(existing?.spec ?? undefined, answer.spec),
      errors,
      warnings,
      ...(summary === undefined ? {} : { summary }),
    };
  }
}
