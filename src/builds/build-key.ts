import { createHash } from 'node:crypto';

/**
 * The content address of a build at submit time: sha256(planHash + "\n" + engineVersion), hex.
 * ARCHITECTURE.md's full key also covers the base image digest; that digest is only known once a worker
 * has pulled or bootstrapped the base, so the submit-time key leaves it out: two submissions of the same
 * spec on the same engine version share a key even if the upstream base image moved in between (use
 * `force` to rebuild against a newer base).
 */
export function computeBuildKey(planHash: string, engineVersion: string): string {
  return createHash('sha256').update(`${planHash}\n${engineVersion}`).digest('hex');
}
