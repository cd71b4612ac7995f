import { bodyEntityTag } from '../../http/entity-tag.js';

/** A serialized status response as UTF-8 bytes (encoded once, sent as is) and its ETag. */
export interface CachedResponse {
  readonly bytes: Buffer;
  readonly etag: string;
}

export interface StatusResponseCacheOptions {
  /** How long a finished build's entry is served (STATUS_CACHE_SECONDS × 1000); 0 disables the cache. */
  readonly ttlMs: number;
  /** How long a running build's entry is served (default: 1 s, never more than `ttlMs`); 0: never kept. */
  readonly runningTtlMs?: number;
  /** Entries kept at most; the oldest is evicted first. */
  readonly maxEntries?: number;
  /** Bodies larger than this are not kept (a 5000-line log page should not pin memory). */
  readonly maxBodyBytes?: number;
  readonly clock?: () => number;
}

/**
 * Serialized `GET /api/build/status/:id` responses, keyed by tenant, build id and log page.
 * - A **finished** build (SUCCESS, FAILED, CANCELLED) no longer changes except when its artifacts expire
 *   (retention, ISO deleted after download — possibly in another process): its entry lives `ttlMs`, and a
 *   client sees an expiry at most that late.
 * - A **running** build's entry lives `runningTtlMs` (1 s): a hundred clients polling one build cost one
 *   store read per second. `invalidate` drops a build's entries at once; the route calls it for every event
 *   of the build this process sees (its own worker's logs, steps and completion, and cancels), so only a
 *   change made by another process without an event reaching here can show up to `runningTtlMs` late.
 * The key starts with the tenant, and the route only reads it after authentication, so one tenant never
 * reads another's entry. In-process only: each API replica keeps its own.
 */
export class StatusResponseCache {
  private readonly entries = new Map<string, { readonly response: CachedResponse; readonly until: number }>();
  /** tenant + build → the keys of its entries (every log page), for `invalidate`. */
  private readonly keysByBuild = new Map<string, Set<string>>();
  private readonly maxEntries: number;
  private readonly runningTtlMs: number;
  private readonly maxBodyBytes: number;
  private readonly clock: () => number;

  constructor(private readonly options: StatusResponseCacheOptions) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.runningTtlMs = Math.min(options.runningTtlMs ?? 1000, options.ttlMs);
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
    this.clock = options.clock ?? Date.now;
  }

  static key(tenantId: string, buildId: string, afterSeq: number, limit: number): string {
    return `${buildKey(tenantId, buildId)}\u0000${afterSeq}\u0000${limit}`;
  }

  get(key: string): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= this.clock()) {
      this.delete(key);
      return undefined;
    }
    return entry.response;
  }

  /** Wraps `body` with its ETag; keeps it for its TTL (finished or running) unless that is 0 or it is too big. */
  remember(key: string, body: string, finished: boolean): CachedResponse {
    const response = { bytes: Buffer.from(body, 'utf8'), etag: bodyEntityTag(body) };
    const ttl = finished ? this.options.ttlMs : this.runningTtlMs;
    if (ttl <= 0 || body.length > this.maxBodyBytes) return response;
    this.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.delete(oldest.value);
    }
    this.entries.set(key, { response, until: this.clock() + ttl });
    const build = buildOf(key);
    const keys = this.keysByBuild.get(build) ?? new Set<string>();
    keys.add(key);
    this.keysByBuild.set(build, keys);
    return response;
  }

  /** Drops every entry of one build of one tenant (each log page). */
  invalidate(tenantId: string, buildId: string): void {
    const keys = this.keysByBuild.get(buildKey(tenantId, buildId));
    if (keys === undefined) return;
    for (const key of [...keys]) this.delete(key);
  }

  private delete(key: string): void {
    if (!this.entries.delete(key)) return;
    const build = buildOf(key);
    const keys = this.keysByBuild.get(build);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByBuild.delete(build);
  }

  get size(): number {
    return this.entries.size;
  }
}

function buildKey(tenantId: string, buildId: string): string {
  return `${tenantId}\u0000${buildId}`;
}

/** The tenant + build part of an entry key (everything before the log page). */
function buildOf(key: string): string {
  const pageStart = key.lastIndexOf('\u0000', key.lastIndexOf('\u0000') - 1);
  return key.slice(0, pageStart);
}
