import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuthHarness, type AuthHarness } from './auth-harness.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe('rate limits backed by Redis', () => {
  let h: AuthHarness;
  const redis = new Redis(REDIS_URL);

  beforeAll(async () => {
    h = await openAuthHarness('sqlite', { env: { REDIS_URL } });
  });
  afterAll(async () => {
    await h.cleanup();
    await redis.quit();
  });

  it('counts a key in Redis, so the limit holds across requests and answers 429 with Retry-After', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/admin/keys',
      headers: h.bearer(h.adminKey),
      payload: { name: 'redis-limited', scopes: ['build:read'], rateLimit: 2 },
    });
    const { key, apiKey } = created.json<{ key: { id: string }; apiKey: string }>();
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      codes.push(
        (await h.app.inject({ method: 'GET', url: '/api/builds', headers: h.bearer(apiKey) })).statusCode,
      );
    }
    expect(codes).toEqual([200, 200, 429]);
    const keys = await redis.keys(`*key:${key.id}*`);
    expect(keys.length).toBe(1);
    expect(Number(await redis.get(keys[0] ?? ''))).toBe(3);
    expect(await redis.pttl(keys[0] ?? '')).toBeGreaterThan(0);
    const last = await h.app.inject({ method: 'GET', url: '/api/builds', headers: h.bearer(apiKey) });
    expect(last.statusCode).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });
});
