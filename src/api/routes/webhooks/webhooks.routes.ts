import type { FastifyPluginAsync } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WEBHOOK_EVENTS, type DeliveryWithAttempts, type WebhookService } from '../../../notify/index.js';
import { WEBHOOK_FORMATS, type Webhook, type WebhookDelivery } from '../../../store/index.js';
import { requirePrincipal } from '../../plugins/auth.plugin.js';
import { requireRole, requireScope } from '../../plugins/authorize.js';
import { COMMON_ERRORS, errorResponses } from '../../schemas/error.schema.js';

export interface WebhooksRoutesOptions {
  readonly service: WebhookService;
}

const eventSchema = z.enum(WEBHOOK_EVENTS);
const formatSchema = z
  .enum(WEBHOOK_FORMATS)
  .describe('json: the event payload; slack / discord: an incoming-webhook message for that service');
const urlSchema = z
  .string()
  .min(1)
  .max(2048)
  .describe('http(s) URL; must not resolve to loopback, private, link-local or metadata addresses');

const createBody = z.strictObject({
  url: urlSchema,
  events: z
    .array(eventSchema)
    .min(1)
    .max(WEBHOOK_EVENTS.length)
    .default([...WEBHOOK_EVENTS]),
  format: formatSchema.default('json'),
});
const updateBody = z
  .strictObject({
    url: urlSchema.optional(),
    events: z.array(eventSchema).min(1).max(WEBHOOK_EVENTS.length).optional(),
    format: formatSchema.optional(),
    isActive: z
      .boolean()
      .optional()
      .describe('true re-enables a disabled webhook and resets its failure count'),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'Give at least one field' });

const idParams = z.strictObject({ id: z.string().min(1).max(128) });
const deliveriesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    format: formatSchema,
    isActive: z.boolean(),
    failureCount: z.number().int().describe('Consecutive failed attempts'),
    disabledAt: z.string().nullable().describe('When it was disabled after repeated failures'),
    createdAt: z.string(),
  })
  .meta({ id: 'Webhook' });
const createdWebhookSchema = webhookSchema
  .extend({
    secret: z.string().describe('The HMAC secret; shown only in this answer'),
  })
  .meta({ id: 'CreatedWebhook' });

const attemptSchema = z.object({
  attempt: z.number().int(),
  attemptedAt: z.string(),
  durationMs: z.number().int(),
  responseStatus: z.number().int().nullable(),
  error: z.string().nullable(),
});
const deliverySchema = z
  .object({
    id: z.string().describe('Sent as X-Webhook-Id'),
    event: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    responseStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });
const deliveryWithLogSchema = deliverySchema
  .extend({ attemptLog: z.array(attemptSchema) })
  .meta({ id: 'WebhookDeliveryWithLog' });

const iso = (ms: number) => new Date(ms).toISOString();

function toWebhookView(w: Webhook): z.infer<typeof webhookSchema> {
  return {
    id: w.id,
    url: w.url,
    events: [...w.events],
    format: w.format,
    isActive: w.isActive,
    failureCount: w.failureCount,
    disabledAt: w.disabledAt === null ? null : iso(w.disabledAt),
    createdAt: iso(w.createdAt),
  };
}

function toDeliveryView(d: WebhookDelivery): z.infer<typeof deliverySchema> {
  return {
    id: d.id,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    responseStatus: d.responseStatus,
    lastError: d.lastError,
    nextAttemptAt: d.status === 'pending' && d.nextAttemptAt !== null ? iso(d.nextAttemptAt) : null,
    createdAt: iso(d.createdAt),
  };
}

function toDeliveryWithLogView(d: DeliveryWithAttempts): z.infer<typeof deliveryWithLogSchema> {
  return {
    ...toDeliveryView(d),
    attemptLog: d.attemptLog.map((a) => ({
      attempt: a.attempt,
      attemptedAt: iso(a.attemptedAt),
      durationMs: a.durationMs,
      responseStatus: a.responseStatus,
      error: a.error,
    })),
  };
}

const READ = [requireScope('webhook:read')];
const WRITE = [requireScope('webhook:write'), requireRole('admin')];

/**
 * `/api/webhooks`: the organization's webhooks. Reads need `webhook:read`; changes need `webhook:write`
 * and the admin (or owner) role. Another organization's webhook answers 404 LBE_WEBHOOK_NOT_FOUND (the
 * store scopes every query by the caller's organization). The secret appears only in the 201 of `POST`.
 * A URL the SSRF check refuses answers 400 LBE_WEBHOOK_URL_FORBIDDEN / LBE_WEBHOOK_URL_UNRESOLVABLE.
 */
export const webhooksRoutes: FastifyPluginAsyncZod<WebhooksRoutesOptions> = (app, { service }) => {
  app.post(
    '/api/webhooks',
    {
      preHandler: WRITE,
      schema: {
        tags: ['webhooks'],
        summary: 'Register a webhook (the secret is returned once, in this answer)',
        body: createBody,
        response: { 201: createdWebhookSchema, ...errorResponses(...COMMON_ERRORS) },
      },
    },
    async (request, reply) => {
      const hook = await service.create(requirePrincipal(request).tenantId, request.body);
      return reply.status(201).send({ ...toWebhookView(hook), secret: hook.secret });
    },
  );
  app.get(
    '/api/webhooks',
    {
      preHandler: READ,
      schema: {
        tags: ['webhooks'],
        summary: "The organization's webhooks (never their secrets)",
        response: {
          200: z.object({ webhooks: z.array(webhookSchema) }),
          ...errorResponses(...COMMON_ERRORS),
        },
      },
    },
    async (request) => ({
      webhooks: (await service.list(requirePrincipal(request).tenantId)).map(toWebhookView),
    }),
  );
  app.get(
    '/api/webhooks/:id',
    {
      preHandler: READ,
      schema: {
        tags: ['webhooks'],
        summary: 'One webhook',
        params: idParams,
        response: { 200: webhookSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) =>
      toWebhookView(await service.get(requirePrincipal(request).tenantId, request.params.id)),
  );
  app.patch(
    '/api/webhooks/:id',
    {
      preHandler: WRITE,
      schema: {
        tags: ['webhooks'],
        summary: 'Change URL, events or format, or re-enable a disabled webhook',
        params: idParams,
        body: updateBody,
        response: { 200: webhookSchema, ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request) =>
      toWebhookView(
        await service.update(requirePrincipal(request).tenantId, request.params.id, request.body),
      ),
  );
  app.delete(
    '/api/webhooks/:id',
    {
      preHandler: WRITE,
      schema: {
        tags: ['webhooks'],
        summary: 'Delete a webhook and its delivery log',
        params: idParams,
        response: { 204: z.null().describe('Deleted'), ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    async (request, reply) => {
      await service.delete(requirePrincipal(request).tenantId, request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/api/webhooks/:id/deliveries',
    {
      preHandler: READ,
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log: newest deliveries first, each with its attempts',
        params: idParams,
        querystring: deliveriesQuery,
        response: {
          200: z.object({ deliveries: z.array(deliveryWithLogSchema) }),
          ...errorResponses(...COMMON_ERRORS, 404),
        },
      },
    },
    async (request) => ({
      deliveries: (
        await service.listDeliveries(
          requirePrincipal(request).tenantId,
          request.params.id,
          request.query.limit,
        )
      ).map(toDeliveryWithLogView),
    }),
  );
  app.post(
    '/api/webhooks/:id/test',
    {
      preHandler: WRITE,
      schema: {
        tags: ['webhooks'],
        summary: 'Send a signed webhook.test event and report its first attempt',
        params: idParams,
        response: { 200: deliverySchema, ...errorResponses(...COMMON_ERRORS, 404, 409) },
      },
    },
    async (request) =>
      toDeliveryView(await service.sendTest(requirePrincipal(request).tenantId, request.params.id)),
  );
  return Promise.resolve();
};

/** `webhooksRoutes` with its service bound, for `AppDeps.extraRoutes`. */
export function createWebhooksRoutesPlugin(options: WebhooksRoutesOptions): FastifyPluginAsync {
  return async (app) => {
    await app.register(webhooksRoutes, options);
  };
}
