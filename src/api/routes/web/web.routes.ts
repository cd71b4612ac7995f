import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

/** The dashboard's files (in `web/`) and their content types; nothing else under /ui/ is served. */
const DASHBOARD_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** `web/` at the repository root: four levels up from both src/api/routes/web and dist/api/routes/web. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../../web/', import.meta.url));

interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/**
 * The dashboard: `GET /ui/` (index.html), `/ui/app.js`, `/ui/app.css`; `/` and `/ui` redirect to `/ui/`
 * (a relative `Location: ui/`).
 * Contracts: the three files are read once at registration (a restart picks up edits) and served with
 * their content type, a sha256 ETag (`If-None-Match` → 304) and `no-cache`; no other path is served, so
 * no URL can reach another file. The routes are public (the page asks for the key; every API call it
 * makes is authenticated as usual) and hidden from the OpenAPI document. When `web/` is missing (an
 * install without the dashboard) nothing is registered and a warning is logged.
 */
export const webRoutes: FastifyPluginAsync<{ webDir?: string }> = (app, options) => {
  const dir = options.webDir ?? DEFAULT_WEB_DIR;
  if (!existsSync(join(dir, 'index.html'))) {
    app.log.warn({ dir }, 'dashboard files not found; / and /ui/ are not served');
    return Promise.resolve();
  }
  const files = new Map<string, StaticFile>();
  for (const [name, contentType] of Object.entries(DASHBOARD_FILES)) {
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
    files.set(name, { body, contentType, etag });
  }
  const routeOptions = { config: { public: true }, schema: { hide: true } } as const;

  for (const url of ['/', '/ui']) {
    // Relative, so a reverse proxy's path prefix is kept (`/lbe/` → `/lbe/ui/`).
    app.get(url, routeOptions, (_request, reply) => reply.redirect('ui/', 302));
  }
  for (const [name, file] of files) {
    app.get(name === 'index.html' ? '/ui/' : `/ui/${name}`, routeOptions, (request, reply) => {
      reply.header('etag', file.etag).header('cache-control', 'no-cache');
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
      return reply.type(file.contentType).send(file.body);
    });
  }
  return Promise.resolve();
};
