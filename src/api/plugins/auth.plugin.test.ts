import { describe, expect, it } from 'vitest';
import { EnvKeyAuthenticator } from './auth.plugin.js';

describe('EnvKeyAuthenticator', () => {
  it('accepts configured keys as the default tenant and rejects others', async () => {
    const auth = new EnvKeyAuthenticator(['k1', 'k2'], 'org-default', true);
    expect(await auth.authenticate('k2')).toMatchObject({ tenantId: 'org-default', method: 'env-key' });
    expect(await auth.authenticate('k3')).toBeUndefined();
    expect(await auth.authenticate('')).toBeUndefined();
    expect(auth.anonymous()).toBeUndefined(); // keys configured → no anonymous access
  });

  it('allows anonymous access only without keys and outside production', () => {
    expect(new EnvKeyAuthenticator([], 'org', true).anonymous()).toMatchObject({
      tenantId: 'org',
      method: 'anonymous',
    });
    expect(new EnvKeyAuthenticator([], 'org', false).anonymous()).toBeUndefined();
  });
});
