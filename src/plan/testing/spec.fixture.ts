import { validateSpec, type NormalizedSpec } from '../../spec/index.js';

export const ED25519_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBgMT1tS0UePLSsYOawT2ZhmDwmPZBdIq50fuWxAxvx alice@laptop';

/** A validated, normalized spec for tests; throws with the issues when `input` is invalid. */
export function specOf(input: Record<string, unknown>): NormalizedSpec {
  const result = validateSpec({ name: 'test', base: 'debian', ...input });
  if (!result.ok) throw new Error(`invalid test spec: ${JSON.stringify(result.errors)}`);
  return result.spec;
}
