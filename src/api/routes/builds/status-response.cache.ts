import { bodyEntityTag } from '../../http/entity-tag.js';

/** A serialized status response and its ETag. */
export interface CachedResponse {
  readonly body: string;
  readonly etag: string;
}

export interface StatusResponseCacheOptions {
  /** How long an entry is served (STATUS_CACHE_SECONDS × 1000); 0 disables the cache. */
  readonly ttlMs: number;
  /** Entries kept at most; the oldest is evicted first. */
  readonly maxEntries?: number;
  /** Bodies larger than this are not kept (a 5000-line log page should not pin memory). */
  readonly maxBodyBytes?: number;
  readonly clock?: () => number;
}

/**
 * Serialized `GET /api/build/status/:id` responses of **finished** builds (SUCCESS, FAILED, CANCELLED),
 * keyed by tenant, build id and log page. A finished build no longer changes except when its artifacts
 * expire (retention, ISO deleted after download — possibly in another process), so an entry lives `ttlMs`
 * and a client sees an expiry at most that late; running builds are never cached. The key starts with the
 * tenant, and the route only reads it after authentication, so one tenant never reads another's entry.
 * In-process only: each API replica keeps its own.
 */
export class StatusResponseCache {
  private readonly entries = new Map<string, { readonly response: CachedResponse; readonly until: number }>();
  private readonly maxEntries: number;
  private readonly maxBodyBytes: number;
  private readonly clock: () => number;

  constructor(private readonly options: StatusResponseCacheOptions) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
    this.clock = options.clock ?? Date.now;
  }

  static key(tenantId: string, buildId: string, afterSeq: number, limit: number): string {
    return `${tenantId}\u0000${buildId}\u0000${afterSeq}\u0000${limit}`;
  }

  get(key: string): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.response;
  }

  /** Wraps `body` with its ETag; keeps it when `finished` and the cache is on. */
  remember(key: string, body: string, finished: boolean): CachedResponse {
    const response = { body, etag: bodyEntityTag(body) };
    if (!finished || this.options.ttlMs <= 0 || body.length > this.maxBodyBytes) return response;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { response, until: this.clock() + this.options.ttlMs });
    return response;
  }

  get size(): number {
    return this.entries.size;
  }
}
