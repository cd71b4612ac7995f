import type { OrganizationTier } from '../store/index.js';

/** Builds of one organization running at once; further builds wait in the queue. */
export const TIER_CONCURRENT_BUILDS: Readonly<Record<OrganizationTier, number>> = {
  free: 1,
  basic: 2,
  pro: 5,
  enterprise: 10,
};

/** Queue priority of a build (lower runs first). */
export const TIER_QUEUE_PRIORITY: Readonly<Record<OrganizationTier, number>> = {
  free: 10,
  basic: 5,
  pro: 3,
  enterprise: 1,
};

/** Requests per minute of a key that does not set its own rate limit. */
export const DEFAULT_KEY_RATE_LIMIT = 100;
