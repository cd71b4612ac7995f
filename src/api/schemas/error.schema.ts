import { z } from 'zod';

/** The one error body every route answers with (see docs/errors.md). */
export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().describe('LBE_<AREA>_<WHAT>, see docs/errors.md'),
      message: z.string(),
      requestId: z.string(),
      issues: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .describe('Each problem with its JSON path (user errors only)'),
    }),
  })
  .meta({ id: 'ErrorResponse' });

export type ErrorResponse = z.infer<typeof errorResponseSchema>;

/** Response entries for the error statuses a route can answer; spread into `schema.response`. */
export function errorResponses<const S extends readonly number[]>(
  ...statuses: S
): Record<S[number], typeof errorResponseSchema> {
  return Object.fromEntries(statuses.map((s) => [s, errorResponseSchema])) as Record<
    S[number],
    typeof errorResponseSchema
  >;
}

/** The statuses every authenticated route can answer. */
export const COMMON_ERRORS = [400, 401, 403, 429, 500] as const;
