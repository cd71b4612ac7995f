import type { FastifyReply, FastifySerializerCompiler } from 'fastify';

/**
 * Route-level serializer for responses built by the typed view functions of `build.views.ts`
 * (`toStatusView`, `toSummaryView`, …) and by the error handler: plain `JSON.stringify`.
 * The app-wide zod serializer re-parses every response against its schema before stringifying, which cost
 * more than the whole database read on `GET /api/build/status/:id`; these views already construct exactly
 * the documented shape (their return types are the schemas' `z.output`), so the check adds nothing at run
 * time. The route schemas still document the responses in OpenAPI and validate requests.
 */
export const viewSerializerCompiler: FastifySerializerCompiler<unknown> = () => (data) =>
  JSON.stringify(data);

/**
 * Sends `json`, already serialized from a view (and possibly cached), as the 200 body. A string or Buffer with a
 * JSON content type goes out as is: Fastify runs no serializer on it. Takes the untyped reply on purpose: the
 * route's typed reply expects the view object, this is its serialized form.
 */
export function sendJsonText(reply: FastifyReply, json: string | Buffer): FastifyReply {
  return reply.code(200).type('application/json; charset=utf-8').send(json);
}
