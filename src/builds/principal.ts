import type { MemberRole, OrganizationTier } from '../store/index.js';

/**
 * Who is calling: the tenant (organization id) that owns what they create, the API key used (absent in
 * embedded anonymous mode and for env keys) and the scopes it grants. Made by the API's auth plugin and
 * passed to every service method; services never look at HTTP.
 */
export interface Principal {
  readonly tenantId: string;
  readonly apiKeyId?: string | undefined;
  readonly scopes: readonly string[];
  /**
   * `anonymous`: embedded single-user mode; `env-key`: one of API_KEYS; `db-key`: a stored key;
   * `admin-key`: ADMIN_API_KEY, the operator's key, which may act on every organization.
   */
  readonly method: 'anonymous' | 'env-key' | 'db-key' | 'admin-key';
  /** The role the key acts with inside its organization; absent counts as `member`. */
  readonly role?: MemberRole | undefined;
  /** The member the key was issued to, when it was issued to one. */
  readonly memberId?: string | undefined;
  /** Tier deciding queue priority (the key's tier for stored keys, else the organization's). */
  readonly tier?: OrganizationTier | undefined;
  /** Requests per minute allowed to this key; absent → the server default. */
  readonly rateLimit?: number | undefined;
  /** Builds per calendar month allowed to this key; null/absent → only the organization's quota applies. */
  readonly buildQuota?: number | null | undefined;
}
