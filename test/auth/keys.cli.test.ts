import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { StoredKeyAuthenticator } from '../../src/auth/stored-key.authenticator.js';
import { createStore } from '../../src/store/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'lbe.js');
const dataDir = mkdtempSync(join(tmpdir(), 'lbe-keys-cli-'));
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  DATABASE_URL: `sqlite:${join(dataDir, 'lbe.db')}`,
  LOG_LEVEL: 'silent',
};

function lbe(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'keys', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env,
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('lbe keys', () => {
  it('creates (printing the key once), lists, rotates and revokes keys in the configured database', async () => {
    const created = lbe(
      'create',
      '--name',
      'deploy',
      '--scopes',
      'build:read,build:create',
      '--quota',
      '5',
      '--json',
    );
    expect(created.status, created.stderr).toBe(0);
    const { key, apiKey } = JSON.parse(created.stdout) as {
      key: { id: string; prefix: string };
      apiKey: string;
    };
    expect(apiKey).toMatch(/^lb_live_[A-Za-z0-9_-]{43}$/);

    const store = createStore({ databaseUrl: env.DATABASE_URL, dataDir });
    try {
      const org = await store.organizations.getBySlug('default');
      const row = await store.apiKeys.get(org?.id ?? '', key.id);
      expect(row).toMatchObject({
        keyHash: createHash('sha256').update(apiKey).digest('hex'),
        buildQuota: 5,
      });
      const auth = new StoredKeyAuthenticator({
        store,
        defaultTenantId: org?.id ?? '',
        envKeys: [],
        allowAnonymous: false,
      });
      expect(await auth.authenticate(apiKey)).toMatchObject({
        apiKeyId: key.id,
        scopes: ['build:read', 'build:create'],
      });

      const list = lbe('list');
      expect(list.status).toBe(0);
      expect(list.stdout).toContain(key.id);
      expect(list.stdout).toContain(`${key.prefix}…`);
      expect(list.stdout).not.toContain(apiKey);

      const rotated = lbe('rotate', key.id);
      expect(rotated.status, rotated.stderr).toBe(0);
      expect(rotated.stdout).toMatch(/^lb_live_/);
      const fresh = new StoredKeyAuthenticator({
        store,
        defaultTenantId: org?.id ?? '',
        envKeys: [],
        allowAnonymous: false,
      });
      expect(await fresh.authenticate(apiKey)).toBeUndefined();
      expect(await fresh.authenticate(rotated.stdout)).toMatchObject({ apiKeyId: key.id });

      expect(lbe('revoke', key.id).status).toBe(0);
      const afterRevoke = new StoredKeyAuthenticator({
        store,
        defaultTenantId: org?.id ?? '',
        envKeys: [],
        allowAnonymous: false,
      });
      expect(await afterRevoke.authenticate(rotated.stdout)).toBeUndefined();
      expect(lbe('revoke', key.id).status).not.toBe(0);
      expect(lbe('create', '--name', 'x', '--scopes', 'build:everything').status).toBe(2);
    } finally {
      await store.close();
    }
  });
});
