import type { Logger } from 'pino';
import { LbeError } from '../errors/index.js';
import { validateSpec, type BuildSpecInput, type NormalizedSpec, type SpecIssue } from '../spec/index.js';
import type { LlmClient } from './llm.client.js';
import { fenceUserText, guardUserText } from './prompt-guard.js';
import { buildSpecJsonSchema } from './spec-json-schema.js';
import { generationSystemPrompt, repairForInvalidSpec } from './spec-prompt.builder.js';
import { runRepairLoop, type CandidateVerdict } from './spec-repair.loop.js';
import { summarizeSpec } from './spec-summary.js';

/** LLM_REPAIR_ATTEMPTS' default. */
export const DEFAULT_REPAIR_ATTEMPTS = 2;

export interface GenerateSpecOptions {
  readonly client: LlmClient;
  /** Follow-up attempts after an invalid answer; default DEFAULT_REPAIR_ATTEMPTS. */
  readonly repairAttempts?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Per-call timeout override; the client's default (OLLAMA_TIMEOUT) otherwise. */
  readonly timeoutMs?: number | undefined;
  readonly logger?: Pick<Logger, 'debug' | 'warn'> | undefined;
}

export interface GeneratedSpec {
  /** The spec as the model wrote it (user-facing form, defaults not filled in); it passed validateSpec. */
  readonly spec: BuildSpecInput;
  /** The same spec after defaults and normalization: what a build would use. */
  readonly normalized: NormalizedSpec;
  readonly warnings: readonly SpecIssue[];
  /** Deterministic, from the spec: base/release, packages, users, services, SSH, firewall, outputs. */
  readonly summary: string;
  /** LLM calls made (1 = the first answer was valid). */
  readonly attempts: number;
  /** The model that answered last. */
  readonly model: string;
}

/** A spec that passed validateSpec, in both forms. */
export interface CheckedSpec {
  readonly spec: BuildSpecInput;
  readonly normalized: NormalizedSpec;
  readonly warnings: readonly SpecIssue[];
}

/** validateSpec as a repair-loop verdict; `pathPrefix` is how paths are shown to the model. */
export function specVerdict(candidate: unknown, pathPrefix = ''): CandidateVerdict<CheckedSpec> {
  const result = validateSpec(candidate);
  if (result.ok) {
    // validateSpec accepted it, so it has the input shape of the schema.
    return {
      ok: true,
      value: { spec: candidate as BuildSpecInput, normalized: result.spec, warnings: result.warnings },
    };
  }
  return { ok: false, errors: result.errors, repairMessage: repairForInvalidSpec(result.errors, pathPrefix) };
}

/**
 * Plain English → validated BuildSpec. Contract:
 * - the prompt is checked and defanged by `guardUserText` (LBE_AI_PROMPT_INVALID when empty or over
 *   MAX_PROMPT_CHARS) and sent fenced as the only user message after the constant system prompt;
 * - the provider is asked to constrain its answer to the BuildSpec JSON Schema;
 * - the answer's first JSON object must pass `validateSpec`; if not, its problems go back to the model up
 *   to `repairAttempts` times; then LbeError LBE_AI_INVALID_OUTPUT (422) with the last problems as issues;
 * - LLM errors (LBE_AI_UNREACHABLE, LBE_AI_TIMEOUT, an abort) propagate unchanged.
 */
export async function generateSpec(prompt: string, options: GenerateSpecOptions): Promise<GeneratedSpec> {
  const guarded = guardUserText(prompt);
  if (guarded.neutralised.length > 0) {
    options.logger?.warn({ markers: guarded.neutralised }, 'prompt-injection markers neutralised');
  }
  const result = await runRepairLoop(
    [
      { role: 'system', content: generationSystemPrompt() },
      { role: 'user', content: fenceUserText(guarded.text) },
    ],
    {
      client: options.client,
      repairAttempts: options.repairAttempts ?? DEFAULT_REPAIR_ATTEMPTS,
      jsonSchema: buildSpecJsonSchema(),
      schemaName: 'BuildSpec',
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      logger: options.logger,
    },
    (candidate) => specVerdict(candidate),
  );
  if (!result.ok) {
    throw new LbeError(
      'LBE_AI_INVALID_OUTPUT',
      `The LLM did not produce a valid build spec after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`,
      { issues: result.errors, details: { attempts: result.attempts, model: options.client.model } },
    );
  }
  const { spec, normalized, warnings } = result.value;
  return {
    spec,
    normalized,
    warnings,
    summary: summarizeSpec(normalized),
    attempts: result.attempts,
    model: result.model,
  };
}
