import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/**
 * `lbe-openapi`: the OpenAPI 3 document generated from the routes' zod schemas at `/docs/json`, Swagger UI
 * at `/docs`. Must be registered before the routes. `transformObject` turns zod's registered schemas
 * (e.g. ErrorResponse) into `components` so every `$ref` resolves.
 */
export const openapiPlugin = fp<{ version: string }>(
  async (app, options) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Linux Builder Engine API',
          description:
            'Turns a BuildSpec into Linux artifacts. Errors: `{error: {code, message, requestId, issues?}}` (docs/errors.md).',
          version: options.version,
        },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
            apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          },
        },
        security: [{ bearer: [] }, { apiKeyHeader: [] }],
        tags: [
          { name: 'builds', description: 'Submit, follow and cancel builds' },
          { name: 'artifacts', description: 'Artifact lists and downloads' },
          { name: 'events', description: 'Live build events (WebSocket, SSE)' },
          { name: 'presets', description: 'Named starting specs' },
          { name: 'health', description: 'Liveness, readiness, metrics' },
        ],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false } });
  },
  { name: 'lbe-openapi', fastify: '5.x' },
);
