import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LbeApp } from '../../src/api/app.js';
import { openAuthHarness, type AuthHarness } from './auth-harness.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const LIMIT = 3;

/** An address no other test run uses (documentation prefix 2001:db8::/32). */
function freshAddress(): string {
  const hex = randomBytes(8).toString('hex');
  return `2001:db8:${hex.slice(0, 4)}:${hex.slice(4, 8)}:${hex.slice(8, 12)}:${hex.slice(12)}::1`;
}

function listBuilds(app: LbeApp, remoteAddress: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url: '/api/builds', remoteAddress, headers });
}

function wrongKey(): Record<string, string> {
  return { authorization: `Bearer lb_live_${randomBytes(32).toString('base64url')}` };
}

function expectLockedOut(res: Awaited<ReturnType<typeof listBuilds>>): void {
  expect(res.statusCode, res.body).toBe(429);
  expect(res.json<{ error: { code: string; message: string } }>().error).toMatchObject({
    code: 'LBE_RATE_LIMITED',
    message: expect.stringMatching(/^Too many failed authentications from this address; retry in \d+ s$/),
  });
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('failed authentications are limited per address (memory)', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await openAuthHarness('sqlite', { env: { AUTH_FAILURES_PER_MINUTE: String(LIMIT) } });
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('answers 401 to each wrong key, then 429 with retry-after to that address, even for a valid key', async () => {
    const attacker = freshAddress();
    for (let i = 0; i < LIMIT; i++) {
      const res = await listBuilds(h.app, attacker, wrongKey());
      expect(res.statusCode).toBe(401);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('LBE_AUTH_INVALID');
    }
    expectLockedOut(await listBuilds(h.app, attacker, wrongKey()));
    expectLockedOut(await listBuilds(h.app, attacker, h.bearer(h.adminKey)));
    expect((await listBuilds(h.app, freshAddress(), h.bearer(h.adminKey))).statusCode).toBe(200);
  });

  it('counts revoked keys as failures', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/admin/keys',
      headers: h.bearer(h.adminKey),
      payload: { name: 'soon-revoked', scopes: ['build:read'] },
    });
    const { key, apiKey } = created.json<{ key: { id: string }; apiKey: string }>();
    const revoked = await h.app.inject({
      method: 'DELETE',
      url: `/api/admin/keys/${key.id}`,
      headers: h.bearer(h.adminKey),
    });
    expect(revoked.statusCode, revoked.body).toBeLessThan(300);
    const client = freshAddress();
    for (let i = 0; i < LIMIT; i++) {
      expect((await listBuilds(h.app, client, h.bearer(apiKey))).statusCode).toBe(401);
    }
    expectLockedOut(await listBuilds(h.app, client, h.bearer(apiKey)));
  });

  it('does not count requests without a key, nor successful ones', async () => {
    const client = freshAddress();
    for (let i = 0; i < LIMIT + 2; i++) {
      const res = await listBuilds(h.app, client);
      expect(res.statusCode).toBe(401);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('LBE_AUTH_MISSING');
      expect((await listBuilds(h.app, client, h.bearer(h.adminKey))).statusCode).toBe(200);
    }
    expect((await listBuilds(h.app, client, wrongKey())).statusCode).toBe(401);
    expect((await listBuilds(h.app, client, h.bearer(h.adminKey))).statusCode).toBe(200);
  });
});

describe('AUTH_FAILURES_PER_MINUTE=0', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await openAuthHarness('sqlite', { env: { AUTH_FAILURES_PER_MINUTE: '0' } });
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('turns the limit off', async () => {
    const client = freshAddress();
    for (let i = 0; i < 40; i++) {
      expect((await listBuilds(h.app, client, wrongKey())).statusCode).toBe(401);
    }
    expect((await listBuilds(h.app, client, h.bearer(h.adminKey))).statusCode).toBe(200);
  });
});

describe('failed authentications are limited per address (Redis)', () => {
  let h: AuthHarness;
  let replica: LbeApp;
  const redis = new Redis(REDIS_URL);
  const attacker = freshAddress();

  beforeAll(async () => {
    h = await openAuthHarness('sqlite', {
      env: { REDIS_URL, AUTH_FAILURES_PER_MINUTE: String(LIMIT) },
    });
    replica = await h.runtime.createApp();
    await replica.ready();
  });
  afterAll(async () => {
    const keys = await redis.keys(`*auth-fail:${attacker}`);
    if (keys.length > 0) await redis.del(...keys);
    await replica.close();
    await h.cleanup();
    await redis.quit();
  });

  it('shares the count between two apps on one Redis, and lets the address in again once the window ends', async () => {
    expect((await listBuilds(h.app, attacker, wrongKey())).statusCode).toBe(401);
    expect((await listBuilds(replica, attacker, wrongKey())).statusCode).toBe(401);
    expect((await listBuilds(h.app, attacker, wrongKey())).statusCode).toBe(401);
    expectLockedOut(await listBuilds(replica, attacker, h.bearer(h.adminKey)));
    expectLockedOut(await listBuilds(h.app, attacker, h.bearer(h.adminKey)));
    expect((await listBuilds(replica, freshAddress(), h.bearer(h.adminKey))).statusCode).toBe(200);

    const keys = await redis.keys(`*auth-fail:${attacker}`);
    expect(keys).toHaveLength(1);
    const counter = keys[0] ?? '';
    expect(await redis.get(counter)).toBe(String(LIMIT));
    expect(await redis.pttl(counter)).toBeGreaterThan(0);

    await redis.pexpire(counter, 1);
    await sleep(10);
    expect((await listBuilds(h.app, attacker, h.bearer(h.adminKey))).statusCode).toBe(200);
    expect((await listBuilds(replica, attacker, h.bearer(h.adminKey))).statusCode).toBe(200);
  });
});
