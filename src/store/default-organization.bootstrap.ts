import type { Organization } from './organizations.repository.js';
import type { Store } from './store.js';

export const DEFAULT_ORGANIZATION_SLUG = 'default';

/**
 * Ensures the `default` organization of the embedded single-user mode exists and returns it.
 * Idempotent and safe when several processes start together (insert-if-absent on the unique slug).
 */
export function bootstrapDefaultOrganization(store: Store): Promise<Organization> {
  return store.organizations.ensure({
    name: 'Default',
    slug: DEFAULT_ORGANIZATION_SLUG,
    tier: 'enterprise',
    buildQuota: null,
  });
}
