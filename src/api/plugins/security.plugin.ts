import { IncomingMessage, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
      connectSrc: ["'self'"],
    },
  },
};

/**
 * Helmet's response headers for `options`, computed once. Helmet's middleware only sets and removes
 * headers (no nonces are configured, nothing depends on the request), so running it against a recording
 * response gives exactly what it would set on every reply — without rebuilding its middleware chain per
 * request, which cost more than the rest of the security plugin.
 */
export function helmetHeaders(options: HelmetOptions): ReadonlyMap<string, string> {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: number | string | readonly string[]) {
      headers.set(name, Array.isArray(value) ? value.join(', ') : String(value));
      return recorder;
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  // Helmet's middleware is synchronous and never reads the request.
  helmet(options)(new IncomingMessage(new Socket()), recorder as unknown as ServerResponse, (err) => {
    if (err instanceof Error) throw err;
  });
  return headers;
}

/**
 * The headers of every response that is not a page — JSON, downloads, redirects, errors, event streams:
 * what OWASP's REST Security Cheat Sheet asks of API responses. Helmet's document-only headers
 * (Cross-Origin-Opener-Policy, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies, X-XSS-Protection) do nothing for them, and the policy is stricter than
 * the pages': a response opened as a page may load nothing and be framed by no one.
 */
const API_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
};

/** The dashboard (`/ui/…`, and `/`, which redirects there) and Swagger UI (`/docs…`) serve pages. */
function servesPages(url: string): boolean {
  return url === '/' || url.startsWith('/ui') || url.startsWith('/docs');
}

/**
 * `lbe-security`: security headers on every reply, errors and 404s included — helmet's on the pages (its CSP
 * allows Swagger UI's assets on /docs and the dashboard's inline styles), `API_RESPONSE_HEADERS` on
 * everything else — and CORS limited to the CORS_ORIGINS allowlist.
 * With an empty allowlist (the default) no CORS handling is registered at all: no response carries
 * `access-control-*` headers, so browsers refuse every cross-origin read, and a preflight `OPTIONS` is an
 * unknown route (404) — the same answers the CORS plugin gives with `origin: false`, without its hook on
 * every request.
 */
export const securityPlugin = fp<{ corsOrigins: readonly string[] }>(
  async (app, options) => {
    const pageHeaders = Object.fromEntries(helmetHeaders(HELMET_OPTIONS));
    app.addHook('onRequest', (request, reply, done) => {
      void reply.headers(servesPages(request.url) ? pageHeaders : API_RESPONSE_HEADERS);
      done();
    });
    if (options.corsOrigins.length === 0) return;
    await app.register(cors, {
      origin: [...options.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'],
      allowedHeaders: [
        'authorization',
        'content-type',
        'x-api-key',
        'x-request-id',
        'range',
        'if-none-match',
      ],
      exposedHeaders: ['x-request-id', 'content-range', 'etag', 'content-disposition'],
      maxAge: 600,
    });
  },
  { name: 'lbe-security', fastify: '5.x' },
);
