import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';

const SAFE_REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Fastify's `genReqId`: honours an incoming `x-request-id` when it is 1-64 of [A-Za-z0-9-_], otherwise
 * generates a UUID. Passed to the Fastify constructor (ids are assigned before plugins run).
 */
export function generateRequestId(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  if (typeof header === 'string' && SAFE_REQUEST_ID.test(header)) return header;
  return randomUUID();
}

/** Echoes the request id in the `x-request-id` response header of every reply (errors and 404s too). */
export const requestIdPlugin = fp(
  (app) => {
    app.addHook('onRequest', (request, reply, done) => {
      void reply.header('x-request-id', request.id);
      done();
    });
  },
  { name: 'lbe-request-id', fastify: '5.x' },
);
