/* eslint-disable @typescript-eslint/no-unsafe-argument -- JSON bodies of inject() are `any` */
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiHarness, type ApiHarness } from './api-harness.js';
import { loadPlanner } from './test-planner.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await openApiHarness('sqlite', { planner: await loadPlanner() });
});
afterAll(async () => {
  await h.cleanup();
});

describe('bad input always answers 4xx with an error code, never 5xx', () => {
  const json = { 'content-type': 'application/json' };
  const cases: readonly {
    name: string;
    method?: 'GET' | 'POST';
    url: string;
    headers?: Record<string, string>;
    payload?: string | Buffer;
    status: number;
    code: string;
  }[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      url: '/api/build/start',
      headers: json,
      payload: '{"name":',
      status: 400,
      code: 'LBE_API_BAD_REQUEST',
    },
    {
      name: 'empty JSON body',
      method: 'POST',
      url: '/api/build/start',
      headers: json,
      payload: '',
      status: 400,
      code: 'LBE_API_BAD_REQUEST',
    },
    {
      name: '10 MB body',
      method: 'POST',
      url: '/api/build/start',
      headers: json,
      payload: Buffer.alloc(10 * 1024 * 1024, 0x20),
      status: 413,
      code: 'LBE_API_BODY_TOO_LARGE',
    },
    {
      name: 'unknown fields',
      method: 'POST',
      url: '/api/build/start',
      headers: json,
      payload: JSON.stringify({ name: 'a', base: 'debian', evil: 1 }),
      status: 400,
      code: 'LBE_SPEC_INVALID',
    },
    {
      name: '__proto__ key',
      method: 'POST',
      url: '/api/build/start',
      headers: json,
      payload: '{"name":"a","base":"debian","__proto__":{"admin":true}}',
      status: 400,
      code: 'LBE_API_BAD_REQUEST',
    },
    {
      name: 'constructor key',
      method: 'POST',
      url: '/api/build/start',
      headers: json,
      payload: '{"name":"a","base":"debian","constructor":{"prototype":{"x":1}}}',
      status: 400,
      code: 'LBE_API_BAD_REQUEST',
    },
    {
      name: 'array body',
      method: 'POST',
      url: '/api/build/start',
      headers: json,
      payload: '[1,2]',
      status: 400,
      code: 'LBE_API_VALIDATION',
    },
    {
      name: 'wrong content type',
      method: 'POST',
      url: '/api/build/start',
      headers: { 'content-type': 'text/plain' },
      payload: 'name: x',
      status: 415,
      code: 'LBE_API_UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'path traversal id',
      url: '/api/build/status/..%2F..%2Fetc%2Fpasswd',
      status: 400,
      code: 'LBE_BUILD_INVALID_ID',
    },
    {
      name: 'raw traversal',
      url: '/api/build/status/../../etc/passwd',
      status: 404,
      code: 'LBE_API_NOT_FOUND',
    },
    {
      name: 'SQL in id',
      url: `/api/build/status/${encodeURIComponent("' OR 1=1")}`,
      status: 400,
      code: 'LBE_BUILD_INVALID_ID',
    },
    {
      name: 'SQL in download id',
      url: `/api/build/download/${encodeURIComponent("1' OR '1'='1")}/iso`,
      status: 400,
      code: 'LBE_BUILD_INVALID_ID',
    },
    {
      name: 'unknown download type',
      url: '/api/build/download/abcdefgh12345678/passwd',
      status: 400,
      code: 'LBE_API_VALIDATION',
    },
    {
      name: 'unknown build',
      url: '/api/build/status/abcdefgh12345678',
      status: 404,
      code: 'LBE_BUILD_NOT_FOUND',
    },
    {
      name: 'bad logsLimit',
      url: '/api/build/status/abcdefgh12345678?logsLimit=-1',
      status: 400,
      code: 'LBE_API_VALIDATION',
    },
    { name: 'unknown route', url: '/api/nothing-here', status: 404, code: 'LBE_API_NOT_FOUND' },
    { name: 'bad cursor type', url: '/api/builds?limit=abc', status: 400, code: 'LBE_API_VALIDATION' },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const res = await h.app.inject({
        method: c.method ?? 'GET',
        url: c.url,
        headers: { ...h.auth(), ...c.headers },
        ...(c.payload === undefined ? {} : { payload: c.payload }),
      });
      expect(res.statusCode).toBe(c.status);
      const body = res.json();
      expect(body.error.code).toBe(c.code);
      expect(body.error.requestId).toBe(res.headers['x-request-id']);
      expect(res.body).not.toMatch(/at .*\.ts:\d+|node_modules|SELECT /i);
    });
  }
});

describe('HTTP conventions', () => {
  it('honours a safe x-request-id and replaces an unsafe one', async () => {
    const safe = await h.app.inject({ url: '/health/live', headers: { 'x-request-id': 'abc-123_X' } });
    expect(safe.headers['x-request-id']).toBe('abc-123_X');
    const unsafe = await h.app.inject({ url: '/health/live', headers: { 'x-request-id': 'a b<script>' } });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers and refuses unlisted CORS origins', async () => {
    const res = await h.app.inject({ url: '/health/live', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    // API responses — successes, errors and unmatched routes alike: the API set, exactly.
    const apiHeaders = {
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'cross-origin-resource-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    };
    const documentOnly = [
      'cross-origin-opener-policy',
      'origin-agent-cluster',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ];
    for (const [url, status] of [
      ['/health/live', 200],
      ['/api/builds', 401],
      ['/no/such/route', 404],
      ['/api/build/status/nope', 401],
    ] as const) {
      const reply = await h.app.inject({ url });
      expect(reply.statusCode, url).toBe(status);
      expect(reply.headers, url).toMatchObject(apiHeaders);
      for (const name of documentOnly) expect(reply.headers[name], `${url} ${name}`).toBeUndefined();
      expect(reply.headers['x-powered-by'], url).toBeUndefined();
    }
    // Pages (Swagger UI here; the dashboard in test/web): helmet's set, with the CSP their assets need.
    for (const url of ['/docs', '/docs/static/index.html', '/docs/no-such-page']) {
      const reply = await h.app.inject({ url });
      expect(reply.headers, url).toMatchObject({
        'content-security-policy': expect.stringContaining(
          "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data: validator.swagger.io",
        ),
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'x-content-type-options': 'nosniff',
        'x-xss-protection': '0',
      });
    }
  });

  it('publishes an OpenAPI 3 document that validates, with every route and the shared error schema', async () => {
    const res = await h.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    await SwaggerParser.validate(structuredClone(doc));
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/build/start',
      '/api/build',
      '/api/build/status/{id}',
      '/api/build/artifact/{id}',
      '/api/build/download/{id}/{type}',
      '/api/build/{id}/cancel',
      '/api/builds',
      '/api/build/validate',
      '/api/presets',
      '/api/presets/{name}',
      '/health',
      '/metrics',
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    expect(doc.components.schemas.ErrorResponse).toBeDefined();
    expect(JSON.stringify(doc.paths['/api/build/start'].post.responses['400'])).toContain('ErrorResponse');
    const ui = await h.app.inject({ url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });
});

describe('CORS', () => {
  const preflight = (origin: string) => ({
    method: 'OPTIONS' as const,
    url: '/api/builds',
    headers: {
      origin,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  });

  it('answers no cross-origin request when CORS_ORIGINS is empty (the default)', async () => {
    const res = await h.app.inject(preflight('https://app.example'));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'LBE_API_NOT_FOUND' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const get = await h.app.inject({
      url: '/api/builds',
      headers: { ...h.auth(), origin: 'https://app.example' },
    });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows exactly the listed origins, preflight included', async () => {
    const listed = await openApiHarness('sqlite', {
      env: { CORS_ORIGINS: 'https://app.example' },
      planner: await loadPlanner(),
    });
    try {
      const ok = await listed.app.inject(preflight('https://app.example'));
      expect(ok.statusCode).toBe(204);
      expect(ok.headers).toMatchObject({
        'access-control-allow-origin': 'https://app.example',
        'access-control-allow-methods': 'GET, HEAD, POST, DELETE, OPTIONS',
        'access-control-max-age': '600',
      });
      expect(ok.headers['access-control-allow-headers']).toContain('authorization');
      const get = await listed.app.inject({
        url: '/api/builds',
        headers: { ...listed.auth(), origin: 'https://app.example' },
      });
      expect(get.statusCode).toBe(200);
      expect(get.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(get.headers['access-control-expose-headers']).toContain('x-request-id');
      expect(get.headers.vary).toContain('Origin');

      const other = await listed.app.inject({
        url: '/api/builds',
        headers: { ...listed.auth(), origin: 'https://evil.example' },
      });
      expect(other.statusCode).toBe(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const otherPreflight = await listed.app.inject(preflight('https://evil.example'));
      expect(otherPreflight.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await listed.cleanup();
    }
  });
});
