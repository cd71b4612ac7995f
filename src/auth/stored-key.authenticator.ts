import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Principal } from '../builds/principal.js';
import type { ApiKey, Store } from '../store/index.js';
import { hashApiKey, looksLikeStoredKey } from './api-key.codec.js';
import { ALL_SCOPES } from './scopes.js';

export interface StoredKeyAuthenticatorOptions {
  readonly store: Store;
  /** The organization of API_KEYS, ADMIN_API_KEY and anonymous requests. */
  readonly defaultTenantId: string;
  /** API_KEYS: bootstrap keys with every scope in the default organization. */
  readonly envKeys: readonly string[];
  /** ADMIN_API_KEY: the operator's key (every scope, may act on every organization). */
  readonly adminKey?: string | undefined;
  /** Requests without a key act as the default organization's owner (embedded single-user mode). */
  readonly allowAnonymous: boolean;
  /** How long a validated stored key is trusted without reading the database again (default 30 s). */
  readonly cacheTtlMs?: number;
  /** `lastUsedAt` is written at most this often per key (default 60 s). */
  readonly lastUsedWriteIntervalMs?: number;
  readonly clock?: () => number;
  readonly logger?: Logger | undefined;
}

interface CacheEntry {
  readonly key: ApiKey;
  readonly cachedAt: number;
}

const MAX_CACHE_ENTRIES = 10_000;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The API's key check: ADMIN_API_KEY, then API_KEYS (both compared as sha256 digests with
 * `timingSafeEqual`), then stored keys (`lb_live_…`, looked up by sha256). Contracts:
 * - `authenticate` never throws for a bad key: unknown, revoked, inactive or expired → undefined;
 * - a validated stored key is cached by hash for `cacheTtlMs`; `invalidate(hash)` (called by KeyService
 *   on revoke and rotate) drops it at once; expiry is checked on every use, cached or not;
 * - `lastUsedAt` is written at most once per `lastUsedWriteIntervalMs` per key, not per request; a failed
 *   write is logged and does not fail the request.
 * In a deployment with several API replicas, a revocation reaches the other replicas' caches after at most
 * `cacheTtlMs`.
 */
export class StoredKeyAuthenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly lastWritten = new Map<string, number>();
  private readonly envDigests: readonly Buffer[];
  private readonly adminDigest: Buffer | undefined;
  private readonly cacheTtlMs: number;
  private readonly lastUsedWriteIntervalMs: number;
  private readonly clock: () => number;

  constructor(private readonly options: StoredKeyAuthenticatorOptions) {
    this.envDigests = options.envKeys.map(digest);
    this.adminDigest = options.adminKey === undefined ? undefined : digest(options.adminKey);
    this.cacheTtlMs = options.cacheTtlMs ?? 30_000;
    this.lastUsedWriteIntervalMs = options.lastUsedWriteIntervalMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
  }

  async authenticate(rawKey: string): Promise<Principal | undefined> {
    const candidate = digest(rawKey);
    if (this.adminDigest !== undefined && timingSafeEqual(this.adminDigest, candidate)) {
      return {
        tenantId: this.options.defaultTenantId,
        scopes: ALL_SCOPES,
        method: 'admin-key',
        role: 'owner',
      };
    }
    let envMatch = false;
    for (const d of this.envDigests) envMatch = timingSafeEqual(d, candidate) || envMatch;
    if (envMatch) {
      return { tenantId: this.options.defaultTenantId, scopes: ALL_SCOPES, method: 'env-key', role: 'owner' };
    }
    if (!looksLikeStoredKey(rawKey)) return undefined;
    const key = await this.findStoredKey(hashApiKey(rawKey));
    if (key === undefined) return undefined;
    await this.touch(key.id);
    return {
      tenantId: key.organizationId,
      apiKeyId: key.id,
      scopes: key.scopes,
      method: 'db-key',
      role: key.role,
      memberId: key.memberId ?? undefined,
      tier: key.tier,
      rateLimit: key.rateLimit,
      buildQuota: key.buildQuota,
    };
  }

  anonymous(): Principal | undefined {
    return this.options.allowAnonymous
      ? { tenantId: this.options.defaultTenantId, scopes: ALL_SCOPES, method: 'anonymous', role: 'owner' }
      : undefined;
  }

  /** Forgets a cached validation (the key was revoked or rotated). */
  invalidate(keyHash: string): void {
    this.cache.delete(keyHash);
  }

  private async findStoredKey(keyHash: string): Promise<ApiKey | undefined> {
    const now = this.clock();
    const cached = this.cache.get(keyHash);
    if (cached !== undefined && now - cached.cachedAt < this.cacheTtlMs) {
      if (cached.key.expiresAt === null || cached.key.expiresAt > now) return cached.key;
      this.cache.delete(keyHash);
      return undefined;
    }
    const key = await this.options.store.apiKeys.findUsableByHashForAuth(keyHash);
    if (key === undefined) {
      this.cache.delete(keyHash);
      return undefined;
    }
    if (this.cache.size >= MAX_CACHE_ENTRIES) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(keyHash, { key, cachedAt: now });
    return key;
  }

  private async touch(keyId: string): Promise<void> {
    const now = this.clock();
    const last = this.lastWritten.get(keyId);
    if (last !== undefined && now - last < this.lastUsedWriteIntervalMs) return;
    this.lastWritten.set(keyId, now);
    try {
      await this.options.store.apiKeys.touchLastUsedForAuth(keyId);
    } catch (err) {
      this.options.logger?.warn({ err, apiKeyId: keyId }, 'lastUsedAt not recorded');
    }
  }
}
