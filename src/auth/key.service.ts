import { LbeError } from '../errors/index.js';
import type { ApiKey, BuildStatus, MemberRole, OrganizationTier, Store } from '../store/index.js';
import { generateApiKey } from './api-key.codec.js';
import { isRoleAtLeast } from './roles.js';
import { DEFAULT_KEY_SCOPES, type Scope } from './scopes.js';
import { DEFAULT_KEY_RATE_LIMIT } from './tier-limits.js';

export interface CreateKeyInput {
  readonly name: string;
  readonly scopes?: readonly Scope[] | undefined;
  readonly role?: MemberRole | undefined;
  readonly memberId?: string | null | undefined;
  readonly rateLimit?: number | undefined;
  readonly buildQuota?: number | null | undefined;
  /** Default: the organization's tier. */
  readonly tier?: OrganizationTier | undefined;
  readonly expiresAt?: number | null | undefined;
}

/** A key as callers may see it: everything but the hash. */
export type ApiKeyView = Omit<ApiKey, 'keyHash'>;

export interface KeyUsage {
  readonly keyId: string;
  readonly totalBuilds: number;
  readonly lastUsedAt: number | null;
  /** Builds of this key by status, all time. */
  readonly builds: Readonly<Record<BuildStatus, number>>;
  /** Builds of this key created since the start of the current calendar month (UTC). */
  readonly buildsThisMonth: number;
  readonly buildQuota: number | null;
  readonly monthStartsAt: number;
}

/** Start of the calendar month (UTC) containing `now`, in epoch ms. */
export function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Start of the next calendar month (UTC), when a monthly quota resets. */
export function nextMonthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function toKeyView(key: ApiKey): ApiKeyView {
  const { keyHash: _hash, ...view } = key;
  return view;
}

/**
 * Issuing, listing, rotating and revoking stored API keys. Contracts:
 * - the raw key is returned by `create` and `rotate` only, once; the store keeps its sha256;
 * - every method is scoped by `organizationId`; another organization's key is LBE_AUTH_KEY_NOT_FOUND;
 * - `revoke` and `rotate` call every `onSecretRetired` listener with the retired hash before returning,
 *   so a cached validation stops working at once in this process.
 */
export class KeyService {
  private readonly retiredListeners: ((keyHash: string) => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Registers a listener for retired key hashes (the authenticator's cache). */
  onSecretRetired(listener: (keyHash: string) => void): void {
    this.retiredListeners.push(listener);
  }

  async create(organizationId: string, input: CreateKeyInput): Promise<{ key: ApiKeyView; raw: string }> {
    const org = await this.store.organizations.get(organizationId);
    if (org === undefined) throw new LbeError('LBE_ORG_NOT_FOUND');
    if (input.memberId !== undefined && input.memberId !== null) {
      const member = await this.store.members.get(organizationId, input.memberId);
      if (member === undefined) throw new LbeError('LBE_ORG_MEMBER_NOT_FOUND');
      if (input.role !== undefined && !isRoleAtLeast(member.role, input.role)) {
        throw new LbeError('LBE_AUTH_FORBIDDEN', `The member's role (${member.role}) is below ${input.role}`);
      }
    }
    if (input.expiresAt !== undefined && input.expiresAt !== null && input.expiresAt <= this.clock()) {
      throw new LbeError('LBE_API_VALIDATION', 'expiresAt must be in the future', {
        issues: [{ path: 'body.expiresAt', message: 'must be in the future' }],
      });
    }
    const secret = generateApiKey();
    const key = await this.store.apiKeys.create(organizationId, {
      name: input.name,
      prefix: secret.prefix,
      keyHash: secret.keyHash,
      scopes: input.scopes ?? DEFAULT_KEY_SCOPES,
      rateLimit: input.rateLimit ?? DEFAULT_KEY_RATE_LIMIT,
      buildQuota: input.buildQuota ?? null,
      tier: input.tier ?? org.tier,
      expiresAt: input.expiresAt ?? null,
      role: input.role ?? 'member',
      memberId: input.memberId ?? null,
    });
    return { key: toKeyView(key), raw: secret.raw };
  }

  async list(organizationId: string): Promise<readonly ApiKeyView[]> {
    return (await this.store.apiKeys.list(organizationId)).map(toKeyView);
  }

  async get(organizationId: string, id: string): Promise<ApiKeyView> {
    return toKeyView(await this.getStored(organizationId, id));
  }

  /** Revokes at once; LBE_AUTH_KEY_NOT_FOUND when absent in this organization or already revoked. */
  async revoke(organizationId: string, id: string): Promise<void> {
    const key = await this.getStored(organizationId, id);
    if (!(await this.store.apiKeys.revoke(organizationId, id))) throw new LbeError('LBE_AUTH_KEY_NOT_FOUND');
    this.retire(key.keyHash);
  }

  /** New secret for the same key (id, scopes, usage kept); the old secret stops working at once. */
  async rotate(organizationId: string, id: string): Promise<{ key: ApiKeyView; raw: string }> {
    const old = await this.getStored(organizationId, id);
    const secret = generateApiKey();
    const key = await this.store.apiKeys.replaceSecret(organizationId, id, secret);
    if (key === undefined) throw new LbeError('LBE_AUTH_KEY_NOT_FOUND');
    this.retire(old.keyHash);
    return { key: toKeyView(key), raw: secret.raw };
  }

  async usage(organizationId: string, id: string): Promise<KeyUsage> {
    const key = await this.getStored(organizationId, id);
    const since = monthStart(this.clock());
    const [all, month] = await Promise.all([
      this.store.apiKeys.countBuildsByStatus(organizationId, id),
      this.store.apiKeys.countBuildsByStatus(organizationId, id, since),
    ]);
    return {
      keyId: key.id,
      totalBuilds: key.totalBuilds,
      lastUsedAt: key.lastUsedAt,
      builds: all,
      buildsThisMonth: Object.values(month).reduce((a, b) => a + b, 0),
      buildQuota: key.buildQuota,
      monthStartsAt: since,
    };
  }

  /** Active or revoked, but in this organization; revoked keys answer not-found to rotate and revoke. */
  private async getStored(organizationId: string, id: string): Promise<ApiKey> {
    const key = await this.store.apiKeys.get(organizationId, id);
    if (key === undefined) throw new LbeError('LBE_AUTH_KEY_NOT_FOUND');
    return key;
  }

  private retire(keyHash: string): void {
    for (const listener of this.retiredListeners) listener(keyHash);
  }
}
