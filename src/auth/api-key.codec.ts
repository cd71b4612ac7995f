import { createHash, randomBytes } from 'node:crypto';

/** Every stored key starts with this; a leaked key is easy to recognise (and to grep for). */
export const API_KEY_PREFIX = 'lb_live_';
/** Characters of the raw key kept as `prefix` to tell keys apart in listings. */
export const API_KEY_DISPLAY_PREFIX_LENGTH = 12;

export interface GeneratedApiKey {
  /** The full key: shown to the caller once, never stored. */
  readonly raw: string;
  /** The first 12 characters, stored and shown in listings. */
  readonly prefix: string;
  /** sha256 hex of `raw`: the only stored form of the secret. */
  readonly keyHash: string;
}

/** `lb_live_` + 32 random bytes (base64url, 43 characters). */
export function generateApiKey(): GeneratedApiKey {
  const raw = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { raw, prefix: raw.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH), keyHash: hashApiKey(raw) };
}

/** sha256 hex of the raw key, the lookup value of `api_keys.key_hash`. */
export function hashApiKey(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex');
}

/** True for strings shaped like a generated key (cheap pre-check before a database lookup). */
export function looksLikeStoredKey(raw: string): boolean {
  return /^lb_live_[A-Za-z0-9_-]{43}$/.test(raw);
}
