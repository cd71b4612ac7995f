import { LbeError } from '../errors/index.js';

/** Longest request accepted, in characters (after trimming). */
export const MAX_PROMPT_CHARS = 4000;

/** The tag the user's words are fenced in. Any `<` `>` inside the user text is replaced, so it can never close. */
export const USER_FENCE_TAG = 'user_request';

interface Marker {
  readonly label: string;
  readonly pattern: RegExp;
}

/**
 * Known prompt-injection markers, each replaced by `[neutralised: <label>]`. The list is a speed bump, not
 * a wall: the real defences are that the system prompt never changes, the answer must pass `validateSpec`,
 * and nothing the model writes runs outside the build sandbox. Order matters: special tokens first.
 */
const MARKERS: readonly Marker[] = [
  { label: 'special token', pattern: /<\|[^|<>\n]{0,40}\|>/g },
  { label: 'special token', pattern: /\[\/?INST\]|<<\/?SYS>>|<\/?s>/gi },
  {
    label: 'role tag',
    pattern: /<\/?\s*(system|assistant|user|developer|tool|user_request|instructions?)\b[^<>\n]{0,40}>/gi,
  },
  {
    label: 'instruction override',
    pattern:
      /\b(ignore|disregard|forget|override|bypass)\b[\s\w,'-]{0,40}?\b(previous|prior|above|earlier|preceding|all|any|the|your|system)\b[\s\w,'-]{0,40}?\b(instructions?|prompts?|rules?|directions?|guidelines?|context|messages?)\b/gi,
  },
  {
    label: 'role heading',
    pattern: /^[ \t]*#{1,6}[ \t]*(instructions?|system|assistant|developer|new rules?)\b[ \t]*:?/gim,
  },
  { label: 'role prefix', pattern: /^[ \t]*(system|assistant|developer|user)[ \t]*:/gim },
  { label: 'role switch', pattern: /\byou are now\b|\bnew (system )?instructions?\s*:/gi },
];

export interface GuardedPrompt {
  /** The text to put inside the fence. */
  readonly text: string;
  /** Labels of the markers that were neutralised, in order found (for logs and tests). */
  readonly neutralised: readonly string[];
}

/**
 * Checks and defangs a person's request. Contract: trims; throws LbeError LBE_AI_PROMPT_INVALID when it
 * is empty or longer than MAX_PROMPT_CHARS; drops control characters except newline and tab; replaces
 * known injection markers (MARKERS) by `[neutralised: …]`; finally turns every `<`/`>` into `‹`/`›` so
 * the text can neither close the fence nor forge a tag. The meaning for a reader is kept.
 */
export function guardUserText(input: string): GuardedPrompt {
  const trimmed = input.trim();
  if (trimmed === '') {
    throw new LbeError('LBE_AI_PROMPT_INVALID', 'The prompt is empty: describe the system to build', {
      issues: [{ path: 'prompt', message: 'must not be empty' }],
    });
  }
  if (trimmed.length > MAX_PROMPT_CHARS) {
    throw new LbeError(
      'LBE_AI_PROMPT_INVALID',
      `The prompt is ${trimmed.length} characters long; at most ${MAX_PROMPT_CHARS} are accepted`,
      { issues: [{ path: 'prompt', message: `must be at most ${MAX_PROMPT_CHARS} characters` }] },
    );
  }
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  let text = trimmed.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/g, ' ');
  const neutralised: string[] = [];
  for (const marker of MARKERS) {
    text = text.replace(marker.pattern, () => {
      neutralised.push(marker.label);
      return `[neutralised: ${marker.label}]`;
    });
  }
  text = text.replace(/</g, '‹').replace(/>/g, '›');
  return { text, neutralised };
}

/** The user's (already guarded) words inside the fence the system prompt tells the model about. */
export function fenceUserText(guardedText: string): string {
  return `<${USER_FENCE_TAG}>\n${guardedText}\n</${USER_FENCE_TAG}>`;
}
