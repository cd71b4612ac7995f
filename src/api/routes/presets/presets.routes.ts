import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getPreset, listPresets } from '../../../spec/presets/presets.js';
import { requirePrincipal } from '../../plugins/auth.plugin.js';
import { COMMON_ERRORS, errorResponses } from '../../schemas/error.schema.js';

const presetSummarySchema = z.object({ name: z.string(), description: z.string() });
const presetSchema = presetSummarySchema
  .extend({ spec: z.record(z.string(), z.unknown()).describe('A BuildSpec to start from') })
  .meta({ id: 'Preset' });

/** `GET /api/presets` and `GET /api/presets/:name`: named starting specs (read-only, no tenant data). */
export const presetsRoutes: FastifyPluginAsyncZod = (app) => {
  app.get(
    '/api/presets',
    {
      schema: {
        tags: ['presets'],
        summary: 'List presets',
        response: {
          200: z.object({ presets: z.array(presetSummarySchema) }),
          ...errorResponses(...COMMON_ERRORS),
        },
      },
    },
    (request) => {
      requirePrincipal(request);
      return Promise.resolve({
        presets: listPresets().map((p) => ({ name: p.name, description: p.description })),
      });
    },
  );
  app.get(
    '/api/presets/:name',
    {
      schema: {
        tags: ['presets'],
        summary: 'One preset with its spec',
        params: z.object({ name: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a preset name') }),
        response: { 200: presetSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    (request) => {
      requirePrincipal(request);
      const preset = getPreset(request.params.name);
      return Promise.resolve({
        name: preset.name,
        description: preset.description,
        spec: { ...preset.spec },
      });
    },
  );
  return Promise.resolve();
};
