import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiHarness, type ApiHarness } from './api-harness.js';
import { loadPlanner } from './test-planner.js';

/**
 * More hostile input than http-contract.api.test.ts covers: nested prototype keys, deep nesting, bad bytes,
 * every id-taking route with a bad id, hostile query strings, and a 10 MB body over a real socket. Each
 * answer must be a 4xx with an error code and the request id, never a 5xx, and leak no internals.
 */
let h: ApiHarness;
let seededId: string;
beforeAll(async () => {
  h = await openApiHarness('sqlite', { planner: await loadPlanner() });
  seededId = (await h.seedSucceededBuild({})).id;
});
afterAll(async () => {
  await h.cleanup();
});

const json = { 'content-type': 'application/json' };
const deep = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

interface Case {
  readonly name: string;
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly url: string | (() => string);
  readonly headers?: Record<string, string>;
  readonly payload?: string | Buffer;
  readonly status: number;
  readonly code: string;
}

const cases: readonly Case[] = [
  {
    name: '__proto__ nested inside a user',
    method: 'POST',
    url: '/api/build/start',
    headers: json,
    payload: '{"name":"a","base":"debian","users":[{"name":"u","__proto__":{"isAdmin":true}}]}',
    status: 400,
    code: 'LBE_API_BAD_REQUEST',
  },
  {
    name: '__proto__ on the validate route',
    method: 'POST',
    url: '/api/build/validate',
    headers: json,
    payload: '{"__proto__":{"polluted":1},"name":"a","base":"debian"}',
    status: 400,
    code: 'LBE_API_BAD_REQUEST',
  },
  {
    name: 'unknown nested field',
    method: 'POST',
    url: '/api/build/start',
    headers: json,
    payload: JSON.stringify({ name: 'a', base: 'debian', ssh: { enable: true, rootShell: 'yes' } }),
    status: 400,
    code: 'LBE_SPEC_INVALID',
  },
  {
    name: 'wrong types everywhere',
    method: 'POST',
    url: '/api/build/start',
    headers: json,
    payload: JSON.stringify({ name: 42, base: ['debian'], packages: 'curl', users: {} }),
    status: 400,
    code: 'LBE_SPEC_INVALID',
  },
  {
    name: 'nesting 50 000 levels deep',
    method: 'POST',
    url: '/api/build/start',
    headers: json,
    payload: deep(50_000),
    status: 400,
    code: 'LBE_SPEC_INVALID',
  },
  {
    name: 'nesting 50 000 levels deep on validate',
    method: 'POST',
    url: '/api/build/validate',
    headers: json,
    payload: deep(50_000),
    status: 200,
    code: '',
  },
  {
    name: 'invalid UTF-8 bytes',
    method: 'POST',
    url: '/api/build/start',
    headers: json,
    payload: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
    status: 400,
    code: 'LBE_SPEC_INVALID',
  },
  {
    name: 'a JSON string body',
    method: 'POST',
    url: '/api/build/start',
    headers: json,
    payload: '"just a string"',
    status: 400,
    code: 'LBE_API_VALIDATION',
  },
  {
    name: 'a JSON null body',
    method: 'POST',
    url: '/api/build/start',
    headers: json,
    payload: 'null',
    status: 400,
    code: 'LBE_API_VALIDATION',
  },
  {
    name: 'prompt of the wrong type',
    method: 'POST',
    url: '/api/build/start',
    headers: json,
    payload: JSON.stringify({ prompt: { text: 'a web server' } }),
    status: 400,
    code: 'LBE_API_VALIDATION',
  },
  {
    name: 'force of the wrong type',
    method: 'POST',
    url: '/api/build/start',
    headers: json,
    payload: JSON.stringify({ name: 'a', base: 'debian', force: 'yes' }),
    status: 400,
    code: 'LBE_API_VALIDATION',
  },
  {
    name: 'bad id on cancel',
    method: 'POST',
    url: `/api/build/${encodeURIComponent('../x')}/cancel`,
    status: 400,
    code: 'LBE_BUILD_INVALID_ID',
  },
  {
    name: 'bad id on the artifact list',
    url: `/api/build/artifact/${encodeURIComponent('<script>')}`,
    status: 400,
    code: 'LBE_BUILD_INVALID_ID',
  },
  {
    name: 'bad id on the event stream',
    url: `/api/build/${encodeURIComponent('a b')}/events/stream`,
    status: 400,
    code: 'LBE_BUILD_INVALID_ID',
  },
  {
    name: 'NUL byte in an id',
    url: '/api/build/status/abcdefgh%00ijklmnop',
    status: 400,
    code: 'LBE_BUILD_INVALID_ID',
  },
  {
    name: 'id of 150 characters',
    url: `/api/build/status/${'a'.repeat(150)}`,
    status: 400,
    code: 'LBE_BUILD_INVALID_ID',
  },
  {
    name: 'id longer than the router accepts',
    url: `/api/build/status/${'a'.repeat(5000)}`,
    status: 400,
    code: 'LBE_API_BAD_REQUEST',
  },
  {
    name: 'malformed percent-encoding in a path parameter',
    url: '/api/build/status/%E0%A4%A',
    status: 400,
    code: 'LBE_API_BAD_REQUEST',
  },
  {
    name: 'unknown build on cancel',
    method: 'POST',
    url: '/api/build/abcdefgh12345678/cancel',
    status: 404,
    code: 'LBE_BUILD_NOT_FOUND',
  },
  {
    name: 'cancel of a finished build',
    method: 'POST',
    url: () => `/api/build/${seededId}/cancel`,
    status: 409,
    code: 'LBE_BUILD_NOT_CANCELLABLE',
  },
  {
    name: 'prototype keys in the query string',
    url: '/api/builds?__proto__[polluted]=1&constructor[prototype][x]=1',
    status: 200,
    code: '',
  },
  {
    name: 'status filter outside the enum',
    url: '/api/builds?status=DROP%20TABLE',
    status: 400,
    code: 'LBE_API_VALIDATION',
  },
  {
    name: 'limit out of range',
    url: '/api/builds?limit=100000',
    status: 400,
    code: 'LBE_API_VALIDATION',
  },
  { name: 'garbage cursor', url: '/api/builds?cursor=%FF%FE%00', status: 200, code: '' },
  {
    name: 'non-numeric logsAfter',
    url: () => `/api/build/status/${seededId}?logsAfter=1e999`,
    status: 400,
    code: 'LBE_API_VALIDATION',
  },
  {
    name: 'preset name with a path',
    url: '/api/presets/..%2F..%2Fpackage.json',
    status: 400,
    code: 'LBE_API_VALIDATION',
  },
  {
    name: 'method not allowed on a known path',
    method: 'DELETE',
    url: '/api/build/start',
    status: 404,
    code: 'LBE_API_NOT_FOUND',
  },
];

describe('hostile input answers 4xx with an error code, never 5xx', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const res = await h.app.inject({
        method: c.method ?? 'GET',
        url: typeof c.url === 'function' ? c.url() : c.url,
        headers: { ...h.auth(), ...c.headers },
        ...(c.payload === undefined ? {} : { payload: c.payload }),
      });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(c.status);
      expect(res.body).not.toMatch(/at .*\.ts:\d+|node_modules|SELECT |\/work\//i);
      if (c.status >= 400) {
        const body = res.json();
        expect(body.error.code).toBe(c.code);
        expect(body.error.requestId).toBe(res.headers['x-request-id']);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });
  }
});

describe('over a real socket', () => {
  it('a 10 MB body is refused with 413 LBE_API_BODY_TOO_LARGE and the server keeps serving', async () => {
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const url = new URL('/api/build/start', address);
    const body = Buffer.alloc(10 * 1024 * 1024, 0x20);
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method: 'POST',
          headers: { ...json, ...h.auth(), 'content-length': String(body.length) },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, text });
          });
        },
      );
      // The server may answer and close before the whole body is sent: that is the point.
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
      });
      req.end(body);
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error.code).toBe('LBE_API_BODY_TOO_LARGE');
    const after = await fetch(new URL('/health/live', address));
    expect(after.status).toBe(200);
  });
});
