import { setTimeout as sleep } from 'node:timers/promises';
import { createId } from '@paralleldrive/cuid2';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUTH_FAILURE_WINDOW_MS,
  MemoryAuthFailureLimiter,
  RedisAuthFailureLimiter,
  type AuthFailureLimiter,
} from './auth-failure.limiter.js';

const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** One limiter under test, and how to move its time. */
interface Target {
  readonly limiter: AuthFailureLimiter;
  /** Lets `ms` pass (a few ms at most on Redis, which keeps real time). */
  readonly elapse: (ms: number) => Promise<void>;
  /** Ends the address's current window. */
  readonly endWindow: (address: string) => Promise<void>;
}

const redis = new Redis(TEST_REDIS_URL);
const runPrefix = `lbe-test-${createId()}:auth-fail:`;

afterAll(async () => {
  const keys = await redis.keys(`${runPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function memoryTarget(maxFailuresPerMinute: number): Target {
  let now = 1_700_000_000_000;
  return {
    limiter: new MemoryAuthFailureLimiter({ maxFailuresPerMinute, clock: () => now }),
    elapse: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    endWindow: () => {
      now += AUTH_FAILURE_WINDOW_MS;
      return Promise.resolve();
    },
  };
}

function redisTarget(maxFailuresPerMinute: number): Target {
  const keyPrefix = `${runPrefix}${createId()}:`;
  return {
    limiter: new RedisAuthFailureLimiter(redis, { maxFailuresPerMinute, keyPrefix }),
    elapse: (ms) => sleep(ms),
    endWindow: async (address) => {
      await redis.pexpire(`${keyPrefix}${address}`, 1);
      await sleep(10);
    },
  };
}

async function recordFailures(limiter: AuthFailureLimiter, address: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await limiter.recordFailure(address);
}

describe.each([
  { name: 'memory', open: memoryTarget },
  { name: 'redis', open: redisTarget },
])('AuthFailureLimiter ($name)', ({ open }) => {
  it('lets an address try until it has the maximum failures, then blocks it for the rest of the window', async () => {
    const { limiter } = open(3);
    expect(await limiter.blockedForMs('192.0.2.1')).toBe(0);
    await recordFailures(limiter, '192.0.2.1', 2);
    expect(await limiter.blockedForMs('192.0.2.1')).toBe(0);
    await limiter.recordFailure('192.0.2.1');
    const blocked = await limiter.blockedForMs('192.0.2.1');
    expect(blocked).toBeGreaterThan(AUTH_FAILURE_WINDOW_MS - 5_000);
    expect(blocked).toBeLessThanOrEqual(AUTH_FAILURE_WINDOW_MS);
  });

  it('counts each address on its own', async () => {
    const { limiter } = open(2);
    await recordFailures(limiter, '192.0.2.1', 2);
    await limiter.recordFailure('2001:db8::1');
    expect(await limiter.blockedForMs('192.0.2.1')).toBeGreaterThan(0);
    expect(await limiter.blockedForMs('2001:db8::1')).toBe(0);
  });

  it('keeps the window fixed: later failures do not extend it', async () => {
    const { limiter, elapse } = open(2);
    await limiter.recordFailure('192.0.2.1');
    await elapse(200);
    await limiter.recordFailure('192.0.2.1');
    expect(await limiter.blockedForMs('192.0.2.1')).toBeLessThanOrEqual(AUTH_FAILURE_WINDOW_MS - 200);
  });

  it('lets the address try again once the window has ended, with a fresh count', async () => {
    const { limiter, endWindow } = open(2);
    await recordFailures(limiter, '192.0.2.1', 2);
    expect(await limiter.blockedForMs('192.0.2.1')).toBeGreaterThan(0);
    await endWindow('192.0.2.1');
    expect(await limiter.blockedForMs('192.0.2.1')).toBe(0);
    await limiter.recordFailure('192.0.2.1');
    expect(await limiter.blockedForMs('192.0.2.1')).toBe(0);
    await limiter.recordFailure('192.0.2.1');
    expect(await limiter.blockedForMs('192.0.2.1')).toBeGreaterThan(0);
  });

  it('refuses a threshold below one', () => {
    expect(() => open(0)).toThrow(RangeError);
  });
});

describe('MemoryAuthFailureLimiter', () => {
  it('blocks until the last millisecond of the window and not after', async () => {
    let now = 0;
    const limiter = new MemoryAuthFailureLimiter({ maxFailuresPerMinute: 1, clock: () => now });
    await limiter.recordFailure('192.0.2.1');
    now = AUTH_FAILURE_WINDOW_MS - 1;
    expect(await limiter.blockedForMs('192.0.2.1')).toBe(1);
    now = AUTH_FAILURE_WINDOW_MS;
    expect(await limiter.blockedForMs('192.0.2.1')).toBe(0);
  });

  it('defaults to 30 failures per minute', async () => {
    const limiter = new MemoryAuthFailureLimiter({ clock: () => 0 });
    await recordFailures(limiter, '192.0.2.1', 29);
    expect(await limiter.blockedForMs('192.0.2.1')).toBe(0);
    await limiter.recordFailure('192.0.2.1');
    expect(await limiter.blockedForMs('192.0.2.1')).toBe(AUTH_FAILURE_WINDOW_MS);
  });

  it('drops expired windows when the next failure is recorded', async () => {
    let now = 0;
    const limiter = new MemoryAuthFailureLimiter({ maxFailuresPerMinute: 5, clock: () => now });
    for (let i = 0; i < 100; i++) await limiter.recordFailure(`10.0.0.${String(i)}`);
    now = 30_000;
    await limiter.recordFailure('10.0.1.1');
    expect(limiter.trackedAddresses).toBe(101);
    now = AUTH_FAILURE_WINDOW_MS;
    await limiter.recordFailure('10.0.1.2');
    expect(limiter.trackedAddresses).toBe(2);
  });

  it('tracks at most maxAddresses, dropping the oldest window', async () => {
    let now = 0;
    const limiter = new MemoryAuthFailureLimiter({
      maxFailuresPerMinute: 2,
      maxAddresses: 3,
      clock: () => now,
    });
    await recordFailures(limiter, '10.0.0.1', 2);
    for (const address of ['10.0.0.2', '10.0.0.3', '10.0.0.4']) {
      now += 1;
      await limiter.recordFailure(address);
    }
    expect(limiter.trackedAddresses).toBe(3);
    // 10.0.0.1 opened first, so its window made room for 10.0.0.4.
    expect(await limiter.blockedForMs('10.0.0.1')).toBe(0);
    await limiter.recordFailure('10.0.0.4');
    expect(await limiter.blockedForMs('10.0.0.4')).toBeGreaterThan(0);
  });
});

describe('RedisAuthFailureLimiter', () => {
  it('keeps one counter per address that expires with its window', async () => {
    const keyPrefix = `${runPrefix}${createId()}:`;
    const limiter = new RedisAuthFailureLimiter(redis, { maxFailuresPerMinute: 5, keyPrefix });
    await recordFailures(limiter, '192.0.2.7', 3);
    expect(await redis.get(`${keyPrefix}192.0.2.7`)).toBe('3');
    const ttl = await redis.pttl(`${keyPrefix}192.0.2.7`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(AUTH_FAILURE_WINDOW_MS);
  });

  it('shares the count between limiters on the same prefix (API replicas)', async () => {
    const keyPrefix = `${runPrefix}${createId()}:`;
    const one = new RedisAuthFailureLimiter(redis, { maxFailuresPerMinute: 2, keyPrefix });
    const two = new RedisAuthFailureLimiter(redis, { maxFailuresPerMinute: 2, keyPrefix });
    await one.recordFailure('192.0.2.8');
    await two.recordFailure('192.0.2.8');
    expect(await one.blockedForMs('192.0.2.8')).toBeGreaterThan(0);
    expect(await two.blockedForMs('192.0.2.8')).toBeGreaterThan(0);
  });

  it('fails open when Redis cannot be reached, warning once per outage', async () => {
    const warnings: { msg: string }[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => warnings.push(JSON.parse(line) as { msg: string }) },
    );
    const unreachable = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const limiter = new RedisAuthFailureLimiter(unreachable, { maxFailuresPerMinute: 1, logger });
    try {
      await limiter.recordFailure('192.0.2.9');
      await limiter.recordFailure('192.0.2.9');
      expect(await limiter.blockedForMs('192.0.2.9')).toBe(0);
    } finally {
      unreachable.disconnect();
    }
    expect(warnings.map((w) => w.msg)).toEqual([
      'failed authentications are not limited until Redis is reachable again',
    ]);
  });
});
