import { z } from 'zod';
import { buildSpecSchema } from '../spec/index.js';

let cached: Readonly<Record<string, unknown>> | undefined;

/**
 * The BuildSpec as JSON Schema, generated from the real zod schema (`buildSpecSchema`, input side: fields
 * with defaults are optional) so the prompt and the provider's constrained decoding can never drift from
 * what `validateSpec` accepts. Refinements (package-name patterns, key formats…) cannot be expressed and
 * are absent; `validateSpec` and the repair loop catch them. Computed once, then reused; frozen.
 */
export function buildSpecJsonSchema(): Readonly<Record<string, unknown>> {
  if (cached === undefined) {
    const { $schema: _ignored, ...schema } = z.toJSONSchema(buildSpecSchema, {
      io: 'input',
      unrepresentable: 'any',
      target: 'draft-2020-12',
    });
    cached = Object.freeze(schema);
  }
  return cached;
}

/**
 * The chat answer: a short reply for the person plus the whole current spec, `{message, spec}`.
 * `spec` is the BuildSpec schema itself.
 */
export function chatAnswerJsonSchema(): Readonly<Record<string, unknown>> {
  return {
    type: 'object',
    properties: {
      message: { type: 'string', maxLength: 1000 },
      spec: buildSpecJsonSchema(),
    },
    required: ['message', 'spec'],
    additionalProperties: false,
  };
}
