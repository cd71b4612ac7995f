import type { Logger } from 'pino';
import type { SpecIssue } from '../spec/index.js';
import { extractJsonObject } from './json-extract.js';
import type { LlmClient, LlmMessage } from './llm.client.js';
import { capAnswer, repairForUnparseable } from './spec-prompt.builder.js';

/** What the caller decides about one extracted JSON object. */
export type CandidateVerdict<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly errors: readonly SpecIssue[];
      /** The follow-up user message that asks the model to fix `errors`. */
      readonly repairMessage: string;
    };

export interface RepairLoopOptions {
  readonly client: LlmClient;
  /** Follow-up attempts after the first answer (LLM_REPAIR_ATTEMPTS); 0 → one call only. */
  readonly repairAttempts: number;
  readonly jsonSchema: Readonly<Record<string, unknown>>;
  readonly schemaName: string;
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  readonly logger?: Pick<Logger, 'debug' | 'warn'> | undefined;
}

export type RepairLoopResult<T> =
  | {
      readonly ok: true;
      readonly value: T;
      /** LLM calls made (1 = the first answer was good). */
      readonly attempts: number;
      /** The accepted raw answer, for the conversation history. */
      readonly content: string;
      readonly model: string;
    }
  | {
      readonly ok: false;
      /** The last answer's problems, each with its JSON path (`(root)` problems have path ``). */
      readonly errors: readonly SpecIssue[];
      readonly attempts: number;
      /** The last JSON object the model produced, if any answer held one. */
      readonly lastObject?: Record<string, unknown>;
      readonly lastContent: string;
    };

/**
 * Asks the model, checks the answer, and on failure sends the problems back as a follow-up user message,
 * up to `repairAttempts` times. Each follow-up turn carries the earlier answer (capped) as the assistant's
 * message, so the model corrects its own output. LLM errors (unreachable, timeout, abort) propagate at
 * once: they are not repaired. Never throws for a bad answer: the last problems come back instead.
 */
export async function runRepairLoop<T>(
  initial: readonly LlmMessage[],
  options: RepairLoopOptions,
  evaluate: (candidate: Record<string, unknown>) => CandidateVerdict<T>,
): Promise<RepairLoopResult<T>> {
  const messages: LlmMessage[] = [...initial];
  const maxCalls = 1 + Math.max(0, Math.floor(options.repairAttempts));
  let errors: readonly SpecIssue[] = [];
  let lastObject: Record<string, unknown> | undefined;
  let lastContent = '';
  for (let attempt = 1; attempt <= maxCalls; attempt++) {
    const answer = await options.client.chat(messages, {
      jsonSchema: options.jsonSchema,
      schemaName: options.schemaName,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    lastContent = answer.content;
    const extracted = extractJsonObject(answer.content);
    let repair: string;
    if (!extracted.ok) {
      errors = [{ path: '', message: extracted.reason }];
      repair = repairForUnparseable(extracted.reason);
    } else {
      lastObject = extracted.value;
      const verdict = evaluate(extracted.value);
      if (verdict.ok) {
        return {
          ok: true,
          value: verdict.value,
          attempts: attempt,
          content: answer.content,
          model: answer.model,
        };
      }
      errors = verdict.errors;
      repair = verdict.repairMessage;
    }
    options.logger?.debug(
      { attempt, maxCalls, problems: errors.length, model: answer.model },
      'LLM answer rejected',
    );
    messages.push(
      { role: 'assistant', content: capAnswer(answer.content) },
      { role: 'user', content: repair },
    );
  }
  options.logger?.warn({ attempts: maxCalls, problems: errors.length }, 'LLM never produced a valid answer');
  return {
    ok: false,
    errors,
    attempts: maxCalls,
    ...(lastObject === undefined ? {} : { lastObject }),
    lastContent,
  };
}
