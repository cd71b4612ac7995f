import { z } from 'zod';

/** Build ids are cuid2 (lowercase letters and digits); anything else is rejected before any query. */
export const BUILD_ID_PATTERN = /^[a-z0-9]{8,40}$/;

export const buildIdSchema = z
  .string()
  .regex(BUILD_ID_PATTERN, 'must be a build id (8-40 lowercase letters and digits)')
  .describe('Build id (cuid2)');

export const buildIdParamsSchema = z.object({ id: buildIdSchema });
