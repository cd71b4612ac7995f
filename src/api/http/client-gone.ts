import type { FastifyReply } from 'fastify';

/**
 * An AbortSignal that fires when the client goes away before its answer has been sent, so that long work
 * done for that request (an LLM call) stops with it. Never fires once the response has been written.
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}
