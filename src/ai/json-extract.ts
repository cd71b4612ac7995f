export type JsonExtraction =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string };

/** Candidates tried before giving up (guards against quadratic work on hostile text). */
const MAX_CANDIDATES = 64;

/**
 * Index just past the `}` that closes the object opening at `start`, or -1. Tracks strings and escapes,
 * so braces inside string values do not count.
 */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Finds the first balanced top-level JSON object in a model's answer and parses it. Tolerates leading
 * prose, ```json fences and trailing text; a balanced candidate that does not parse is skipped whole
 * (objects nested in it are never returned) and an unclosed one ends the search. Arrays and scalars at the top level are not accepted (a spec is an object).
 * Pure; never throws.
 */
export function extractJsonObject(text: string): JsonExtraction {
  let from = 0;
  let tried = 0;
  let sawUnbalanced = false;
  while (tried < MAX_CANDIDATES) {
    const start = text.indexOf('{', from);
    if (start === -1) break;
    tried++;
    const end = balancedEnd(text, start);
    if (end === -1) {
      // Everything after an unclosed `{` is nested inside it: an inner object is not the answer.
      sawUnbalanced = true;
      break;
    }
    try {
      const value: unknown = JSON.parse(text.slice(start, end));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return { ok: true, value: value as Record<string, unknown> };
      }
    } catch {
      // Not JSON (e.g. braces in prose): keep looking after it, never inside it.
    }
    from = end;
  }
  if (text.trim() === '') return { ok: false, reason: 'the answer was empty' };
  if (tried === 0) return { ok: false, reason: 'the answer contained no JSON object' };
  return {
    ok: false,
    reason: sawUnbalanced
      ? 'the JSON object was cut off or its braces are unbalanced'
      : 'the answer contained no parseable JSON object (check quotes, commas and trailing commas)',
  };
}
