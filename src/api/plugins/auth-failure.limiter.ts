import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Counts failed API-key checks per client address in fixed one-minute windows, so keys cannot be guessed
 * at full speed. Contract:
 * - `blockedForMs` resolves how long the address must still wait: the rest of its window once it has
 *   `maxFailuresPerMinute` failures in it, else 0;
 * - `recordFailure` counts one failure; the first failure of an address opens its window;
 * - neither ever rejects: when the counters cannot be read or written (Redis unreachable), the limiter
 *   fails open — `blockedForMs` resolves 0 and the failure is not counted — so an outage of the counter
 *   store neither locks every client out nor fails the request.
 */
export interface AuthFailureLimiter {
  blockedForMs(address: string): Promise<number>;
  recordFailure(address: string): Promise<void>;
}

export const AUTH_FAILURE_WINDOW_MS = 60_000;
const DEFAULT_MAX_FAILURES = 30;

function checkedMax(maxFailuresPerMinute: number | undefined): number {
  const max = maxFailuresPerMinute ?? DEFAULT_MAX_FAILURES;
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`maxFailuresPerMinute must be a positive integer, got ${String(max)}`);
  }
  return max;
}

export interface MemoryAuthFailureLimiterOptions {
  /** Failures an address may have in one window before it is blocked for the rest of it; default 30. */
  readonly maxFailuresPerMinute?: number;
  /** Most addresses tracked at once; default 10 000. */
  readonly maxAddresses?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly clock?: () => number;
}

interface Window {
  readonly endsAt: number;
  failures: number;
}

/**
 * The counters of one process (a single API replica, or no REDIS_URL). Memory is bounded: windows are
 * kept in the order they opened, so expired ones are dropped from the front on every failure, and when
 * `maxAddresses` windows are still open the oldest is dropped (that address starts over).
 */
export class MemoryAuthFailureLimiter implements AuthFailureLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly max: number;
  private readonly maxAddresses: number;
  private readonly clock: () => number;

  constructor(options: MemoryAuthFailureLimiterOptions = {}) {
    this.max = checkedMax(options.maxFailuresPerMinute);
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  /** Addresses whose window is still held (an expired one is dropped at the next recorded failure). */
  get trackedAddresses(): number {
    return this.windows.size;
  }

  blockedForMs(address: string): Promise<number> {
    const now = this.clock();
    const window = this.windows.get(address);
    if (window === undefined || window.endsAt <= now || window.failures < this.max) {
      return Promise.resolve(0);
    }
    return Promise.resolve(window.endsAt - now);
  }

  recordFailure(address: string): Promise<void> {
    const now = this.clock();
    this.pruneExpired(now);
    const window = this.windows.get(address);
    if (window !== undefined) {
      window.failures += 1;
      return Promise.resolve();
    }
    if (this.windows.size >= this.maxAddresses) {
      const oldest = this.windows.keys().next();
      if (oldest.done !== true) this.windows.delete(oldest.value);
    }
    this.windows.set(address, { endsAt: now + AUTH_FAILURE_WINDOW_MS, failures: 1 });
    return Promise.resolve();
  }

  /** Windows all last one minute and are inserted as they open, so the expired ones come first. */
  private pruneExpired(now: number): void {
    for (const [address, window] of this.windows) {
      if (window.endsAt > now) return;
      this.windows.delete(address);
    }
  }
}

export interface RedisAuthFailureLimiterOptions {
  /** Failures an address may have in one window before it is blocked for the rest of it; default 30. */
  readonly maxFailuresPerMinute?: number;
  /** Counter keys are `<keyPrefix><address>`; default `lbe-auth-fail:` (tests give each run its own). */
  readonly keyPrefix?: string;
  /** Warned once when Redis starts failing (the limiter is then open), not once per request. */
  readonly logger?: Logger;
}

/**
 * Counters shared by every API replica: one Redis string per address holding its failure count, living
 * exactly as long as its window (the expiry is set when the window opens and never extended).
 * The caller owns the connection and closes it.
 */
export class RedisAuthFailureLimiter implements AuthFailureLimiter {
  private readonly max: number;
  private readonly keyPrefix: string;
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisAuthFailureLimiterOptions = {},
  ) {
    this.max = checkedMax(options.maxFailuresPerMinute);
    this.keyPrefix = options.keyPrefix ?? 'lbe-auth-fail:';
  }

  /** MULTI: GET, PTTL. */
  async blockedForMs(address: string): Promise<number> {
    const key = this.keyPrefix + address;
    try {
      const [failures, ttlMs] = resultsOf(await this.redis.multi().get(key).pttl(key).exec());
      this.noteHealthy();
      // PTTL is -2 for a missing key; the key always has an expiry, so -1 does not occur.
      return Number(failures) >= this.max && typeof ttlMs === 'number' && ttlMs > 0 ? ttlMs : 0;
    } catch (err) {
      this.noteFailing(err);
      return 0;
    }
  }

  /**
   * MULTI: SET key 0 PX <window> NX, then INCR. The first failure of a window creates the key with its
   * expiry; later ones only increment it (INCR keeps the expiry), so the window is never extended. Same
   * effect as INCR + PEXPIRE NX, without needing Redis 7.
   */
  async recordFailure(address: string): Promise<void> {
    const key = this.keyPrefix + address;
    try {
      const transaction = this.redis.multi().set(key, 0, 'PX', AUTH_FAILURE_WINDOW_MS, 'NX').incr(key);
      resultsOf(await transaction.exec());
      this.noteHealthy();
    } catch (err) {
      this.noteFailing(err);
    }
  }

  private noteHealthy(): void {
    this.failing = false;
  }

  private noteFailing(err: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.options.logger?.warn(
      { err },
      'failed authentications are not limited until Redis is reachable again',
    );
  }
}

/** The replies of an EXEC; throws when the transaction was discarded or a command failed. */
function resultsOf(replies: [error: Error | null, result: unknown][] | null): unknown[] {
  if (replies === null) throw new Error('the Redis transaction was discarded');
  return replies.map(([error, result]) => {
    if (error !== null) throw error;
    return result;
  });
}
