import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../../app.types.js';
import { requirePrincipal } from '../../plugins/auth.plugin.js';
import { buildIdParamsSchema } from '../../schemas/build-id.schema.js';
import { COMMON_ERRORS, errorResponses } from '../../schemas/error.schema.js';
import { BuildEventSession, type ClientMessage } from './event-stream.js';

/** The part of a `ws` WebSocket this route uses (the `ws` package ships no types here). */
interface EventSocket {
  readonly readyState: number;
  readonly OPEN: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}

const MAX_SUBSCRIPTIONS_PER_SOCKET = 100;
const SSE_KEEPALIVE_MS = 15_000;

const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('SUBSCRIBE'), buildId: z.string().regex(/^[a-z0-9]{8,40}$/) }),
  z.object({ type: z.literal('UNSUBSCRIBE'), buildId: z.string().max(64) }),
  z.object({ type: z.literal('PING') }),
]);

const apiKeyQuery = z.object({
  apiKey: z.string().max(512).optional().describe('API key, for clients that cannot set headers'),
});

/**
 * Live build events.
 * - `GET /ws` (WebSocket): the client sends `{type:'SUBSCRIBE', buildId}` (or UNSUBSCRIBE, PING); the
 *   server sends LOG / STEP / BUILD_STATUS / BUILD_COMPLETE of subscribed builds only, plus SUBSCRIBED,
 *   UNSUBSCRIBED, PONG and ERROR. `GET /api/build/:id/events` is the same socket pre-subscribed to `:id`.
 * - `GET /api/build/:id/events/stream` (Server-Sent Events): the same messages as `event: <type>` frames;
 *   the response ends after BUILD_COMPLETE.
 * Authentication as for every route, or `?apiKey=`. Another tenant's build → ERROR (WS) / 404 (SSE).
 */
export const eventsRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = (app, { deps }) => {
  const sessionDeps = { store: deps.store, events: deps.events, logger: deps.logger };

  const handleSocket = (socket: EventSocket, request: FastifyRequest, initialBuildId?: string): void => {
    const principal = requirePrincipal(request);
    const send = (message: ClientMessage | { type: 'PONG' }): void => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    const session = new BuildEventSession(principal, sessionDeps, send);
    let count = 0;
    const subscribe = (buildId: string): void => {
      if (count >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
        send({ type: 'ERROR', code: 'LBE_RATE_LIMITED', message: 'Too many subscriptions', buildId });
        return;
      }
      count++;
      session.subscribe(buildId).then(
        (ok) => {
          if (!ok) count--;
        },
        (err: unknown) => {
          count--;
          request.log.error({ err, buildId }, 'websocket subscribe failed');
          send({ type: 'ERROR', code: 'LBE_API_INTERNAL', message: 'Internal server error', buildId });
        },
      );
    };
    socket.on('message', (data, isBinary) => {
      let parsed: unknown;
      try {
        parsed = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        parsed = undefined;
      }
      const message = clientMessageSchema.safeParse(parsed);
      if (!message.success) {
        send({
          type: 'ERROR',
          code: 'LBE_API_BAD_REQUEST',
          message: 'Expected {"type":"SUBSCRIBE"|"UNSUBSCRIBE","buildId":"…"} or {"type":"PING"}',
        });
        return;
      }
      switch (message.data.type) {
        case 'SUBSCRIBE':
          subscribe(message.data.buildId);
          break;
        case 'UNSUBSCRIBE':
          session.unsubscribe(message.data.buildId);
          count = Math.max(0, count - 1);
          break;
        case 'PING':
          send({ type: 'PONG' });
          break;
      }
    });
    socket.on('close', () => {
      session.close();
    });
    socket.on('error', (err) => {
      request.log.warn({ err }, 'websocket error');
    });
    if (initialBuildId !== undefined) subscribe(initialBuildId);
  };

  app.get(
    '/ws',
    {
      websocket: true,
      config: { queryKey: true },
      schema: {
        tags: ['events'],
        summary: 'WebSocket of build events (send {type:"SUBSCRIBE", buildId})',
        querystring: apiKeyQuery,
        response: { ...errorResponses(...COMMON_ERRORS) },
      },
    },
    (socket: EventSocket, request) => {
      handleSocket(socket, request);
    },
  );

  app.get(
    '/api/build/:id/events',
    {
      websocket: true,
      config: { queryKey: true },
      schema: {
        tags: ['events'],
        summary: 'WebSocket of one build’s events (pre-subscribed)',
        params: buildIdParamsSchema,
        querystring: apiKeyQuery,
        response: { ...errorResponses(...COMMON_ERRORS, 404) },
      },
    },
    (socket: EventSocket, request) => {
      handleSocket(socket, request, request.params.id);
    },
  );

  app.get(
    '/api/build/:id/events/stream',
    {
      config: { queryKey: true },
      schema: {
        tags: ['events'],
        summary: 'Server-Sent Events of one build (ends after BUILD_COMPLETE)',
        params: buildIdParamsSchema,
        querystring: apiKeyQuery,
        response: {
          200: z
            .string()
            .describe('text/event-stream: `event: LOG|STEP|BUILD_STATUS|BUILD_COMPLETE`, `data: {json}`'),
          ...errorResponses(...COMMON_ERRORS, 404),
        },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await deps.buildService.get(principal, request.params.id); // 404 before the stream starts
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-request-id': request.id,
        'x-content-type-options': 'nosniff',
      });
      raw.write('retry: 3000\n\n');
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        clearInterval(keepalive);
        session.close();
        raw.end();
      };
      const session = new BuildEventSession(
        principal,
        sessionDeps,
        (message) => {
          if (!ended) raw.write(`event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`);
        },
        () => {
          end();
        },
      );
      const keepalive = setInterval(() => raw.write(': keepalive\n\n'), SSE_KEEPALIVE_MS);
      keepalive.unref();
      request.raw.on('close', end);
      const ok = await session.subscribe(request.params.id);
      if (!ok) end();
    },
  );

  return Promise.resolve();
};
