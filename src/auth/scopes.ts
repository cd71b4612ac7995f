/**
 * API key scopes. A scope is `<resource>:<action>`; `<resource>:*` grants every action on the resource and
 * `admin:*` grants everything (the bootstrap API_KEYS, ADMIN_API_KEY and the embedded anonymous user hold it).
 */
export const SCOPES = [
  'build:create',
  'build:read',
  'build:cancel',
  'key:read',
  'key:write',
  'org:read',
  'org:write',
  'webhook:read',
  'webhook:write',
  'admin:*',
] as const;
export type Scope = (typeof SCOPES)[number];

/** What a new key gets when the creator names no scopes. */
export const DEFAULT_KEY_SCOPES: readonly Scope[] = ['build:create', 'build:read', 'build:cancel'];

/** The scopes of a principal that may do everything. */
export const ALL_SCOPES: readonly Scope[] = ['admin:*'];

/** True when `granted` contains `wanted`, `<resource>:*` of its resource, or `admin:*`. */
export function hasScope(granted: readonly string[], wanted: string): boolean {
  if (granted.includes('admin:*') || granted.includes(wanted)) return true;
  const resource = wanted.split(':')[0];
  return granted.includes(`${resource}:*`);
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
