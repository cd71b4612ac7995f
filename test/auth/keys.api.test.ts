/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- JSON bodies of inject() are `any` */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuthHarness, type AuthHarness, type DatabaseKind } from './auth-harness.js';

const SPEC = { name: 'auth-test', base: 'debian', packages: ['curl'], outputs: { docker: true } };
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** One request per protected route, with ids that exist for the default organization's build. */
function protectedRoutes(buildId: string, keyId: string) {
  return [
    { method: 'POST', url: '/api/build/start', payload: SPEC },
    { method: 'POST', url: '/api/build', payload: SPEC },
    { method: 'POST', url: '/api/build/validate', payload: SPEC },
    { method: 'POST', url: '/api/build/generate', payload: { prompt: 'a web server' } },
    { method: 'GET', url: `/api/build/status/${buildId}` },
    { method: 'GET', url: `/api/build/artifact/${buildId}` },
    { method: 'GET', url: `/api/build/download/${buildId}/docker` },
    { method: 'GET', url: `/api/build/${buildId}/events` },
    { method: 'POST', url: `/api/build/${buildId}/cancel` },
    { method: 'GET', url: '/api/builds' },
    { method: 'GET', url: '/api/presets' },
    { method: 'POST', url: '/api/admin/keys', payload: { name: 'x' } },
    { method: 'GET', url: '/api/admin/keys' },
    { method: 'GET', url: `/api/admin/keys/${keyId}` },
    { method: 'DELETE', url: `/api/admin/keys/${keyId}` },
    { method: 'POST', url: `/api/admin/keys/${keyId}/rotate` },
    { method: 'GET', url: `/api/admin/keys/${keyId}/usage` },
    { method: 'GET', url: '/api/admin/organizations' },
  ] as const;
}

describe.each<DatabaseKind>(['sqlite', 'postgres'])('API keys and limits on %s', (kind) => {
  let h: AuthHarness;

  beforeAll(async () => {
    // Every request comes from one address and dozens present bad keys on purpose; the per-address limit
    // on failed authentications has its own tests (auth-failures.api.test.ts).
    h = await openAuthHarness(kind, { perIpPerMinute: 5, env: { AUTH_FAILURES_PER_MINUTE: '1000' } });
  });
  afterAll(async () => {
    await h.cleanup();
  });

  async function createKey(body: Record<string, unknown>, by = h.adminKey) {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/admin/keys',
      headers: h.bearer(by),
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ key: { id: string; organizationId: string }; apiKey: string }>();
  }

  async function startBuild(key: string, name: string) {
    return h.app.inject({
      method: 'POST',
      url: '/api/build/start?force=1',
      headers: h.bearer(key),
      payload: { ...SPEC, name },
    });
  }

  it('returns the full key once; the database holds only its sha256 and prefix', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/admin/keys',
      headers: h.bearer(h.adminKey),
      payload: { name: 'ci', scopes: ['build:read', 'build:create'], rateLimit: 50, buildQuota: 10 },
    });
    expect(res.statusCode).toBe(201);
    const { key, apiKey } = res.json();
    expect(apiKey).toMatch(/^lb_live_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({
      name: 'ci',
      prefix: apiKey.slice(0, 12),
      scopes: ['build:read', 'build:create'],
      rateLimit: 50,
      buildQuota: 10,
      tier: 'enterprise',
      role: 'member',
      isActive: true,
    });
    expect(key.keyHash).toBeUndefined();

    const row = await h.runtime.store.apiKeys.get(key.organizationId, key.id);
    expect(row?.keyHash).toBe(sha256(apiKey));
    expect(Object.values(row ?? {}).some((v) => typeof v === 'string' && v.includes(apiKey))).toBe(false);

    const list = await h.app.inject({ method: 'GET', url: '/api/admin/keys', headers: h.bearer(h.adminKey) });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(apiKey);
    expect(list.body).not.toContain(sha256(apiKey));
    expect(list.json().keys.map((k: { id: string }) => k.id)).toContain(key.id);

    const used = await h.app.inject({ method: 'GET', url: '/api/builds', headers: h.bearer(apiKey) });
    expect(used.statusCode).toBe(200);
  });

  it('answers 401 on every protected route without a key, with a revoked key and with an expired key', async () => {
    const owner = await createKey({ name: 'owner', scopes: ['admin:*'], role: 'owner' });
    const build = (await startBuild(owner.apiKey, 'for-401')).json();
    const revoked = await createKey({ name: 'revoked', scopes: ['admin:*'], role: 'owner' });
    // Used once, so its validation is cached; revocation must still apply at once.
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/builds', headers: h.bearer(revoked.apiKey) }))
        .statusCode,
    ).toBe(200);
    const del = await h.app.inject({
      method: 'DELETE',
      url: `/api/admin/keys/${revoked.key.id}`,
      headers: h.bearer(h.adminKey),
    });
    expect(del.statusCode).toBe(204);
    const expiring = await createKey({
      name: 'expiring',
      scopes: ['admin:*'],
      role: 'owner',
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/builds', headers: h.bearer(expiring.apiKey) }))
        .statusCode,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));

    for (const route of protectedRoutes(build.buildId, owner.key.id)) {
      for (const [label, headers, code] of [
        ['no key', {}, 'LBE_AUTH_MISSING'],
        ['revoked', h.bearer(revoked.apiKey), 'LBE_AUTH_INVALID'],
        ['expired', h.bearer(expiring.apiKey), 'LBE_AUTH_INVALID'],
        ['unknown', h.bearer(`lb_live_${'A'.repeat(43)}`), 'LBE_AUTH_INVALID'],
      ] as const) {
        const res = await h.app.inject({ ...route, headers });
        expect(res.statusCode, `${route.method} ${route.url} ${label}`).toBe(401);
        expect(res.json().error.code).toBe(code);
      }
    }
  });

  it('answers 403 when the key lacks the route scope or role', async () => {
    const reader = await createKey({ name: 'reader', scopes: ['build:read'] });
    const owner = await createKey({ name: 'owner2', scopes: ['admin:*'], role: 'owner' });
    const build = (await startBuild(owner.apiKey, 'for-403')).json();
    const h403 = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => {
      const res = await h.app.inject({ method, url, headers: h.bearer(reader.apiKey), payload });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('LBE_AUTH_FORBIDDEN');
    };
    await h403('POST', '/api/build/start', SPEC);
    await h403('POST', `/api/build/${build.buildId}/cancel`);
    await h403('GET', '/api/admin/keys');
    await h403('POST', '/api/admin/keys', { name: 'escalate', scopes: ['admin:*'] });
    await h403('GET', '/api/admin/organizations');
    // What it holds still works.
    const ok = await h.app.inject({
      method: 'GET',
      url: `/api/build/status/${build.buildId}`,
      headers: h.bearer(reader.apiKey),
    });
    expect(ok.statusCode).toBe(200);

    // key:write but member role: may not manage keys; an admin may not grant owner or admin:* it lacks.
    const keyWriter = await createKey({ name: 'kw', scopes: ['key:write', 'key:read'] });
    const asMember = await h.app.inject({
      method: 'GET',
      url: '/api/admin/keys',
      headers: h.bearer(keyWriter.apiKey),
    });
    expect(asMember.statusCode).toBe(403);
    const admin = await createKey({
      name: 'adm',
      scopes: ['key:write', 'key:read', 'build:read'],
      role: 'admin',
    });
    for (const payload of [
      { name: 'x', role: 'owner' },
      { name: 'x', scopes: ['admin:*'] },
      { name: 'x', tier: 'pro' },
    ]) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/admin/keys',
        headers: h.bearer(admin.apiKey),
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(403);
    }
    const fine = await h.app.inject({
      method: 'POST',
      url: '/api/admin/keys',
      headers: h.bearer(admin.apiKey),
      payload: { name: 'x', scopes: ['build:read'] },
    });
    expect(fine.statusCode).toBe(201);
  });

  it("answers 404 for another organization's build and key", async () => {
    const org = await h.app.inject({
      method: 'POST',
      url: '/api/admin/organizations',
      headers: h.bearer(h.adminKey),
      payload: { name: 'Other', slug: `other-${kind}`, tier: 'free', ownerEmail: 'boss@other.test' },
    });
    expect(org.statusCode).toBe(201);
    const orgB = org.json();
    expect(orgB).toMatchObject({ tier: 'free', storageQuotaBytes: 10 * 1024 ** 3 });
    const keyB = await createKey({
      name: 'b-admin',
      scopes: ['admin:*'],
      role: 'owner',
      organizationId: orgB.id,
    });
    expect(keyB.key.organizationId).toBe(orgB.id);
    const keyA = await createKey({ name: 'a-admin', scopes: ['admin:*'], role: 'owner' });
    const buildA = (await startBuild(keyA.apiKey, 'tenant-a')).json();

    for (const [method, url] of [
      ['GET', `/api/build/status/${buildA.buildId}`],
      ['GET', `/api/build/artifact/${buildA.buildId}`],
      ['POST', `/api/build/${buildA.buildId}/cancel`],
      ['GET', `/api/admin/keys/${keyA.key.id}`],
      ['GET', `/api/admin/keys/${keyA.key.id}/usage`],
      ['POST', `/api/admin/keys/${keyA.key.id}/rotate`],
      ['DELETE', `/api/admin/keys/${keyA.key.id}`],
      ['GET', `/api/admin/keys?organizationId=${keyA.key.organizationId}`],
      ['GET', `/api/admin/organizations/${keyA.key.organizationId}`],
      ['GET', `/api/admin/organizations/${keyA.key.organizationId}/members`],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: h.bearer(keyB.apiKey) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const listB = (
      await h.app.inject({ method: 'GET', url: '/api/admin/keys', headers: h.bearer(keyB.apiKey) })
    ).json();
    expect(listB.keys.map((k: { id: string }) => k.id)).toEqual([keyB.key.id]);
    const orgsB = (
      await h.app.inject({ method: 'GET', url: '/api/admin/organizations', headers: h.bearer(keyB.apiKey) })
    ).json();
    expect(orgsB.organizations.map((o: { id: string }) => o.id)).toEqual([orgB.id]);
    // Still there for its own organization.
    const own = await h.app.inject({
      method: 'GET',
      url: `/api/build/status/${buildA.buildId}`,
      headers: h.bearer(keyA.apiKey),
    });
    expect(own.statusCode).toBe(200);
  });

  it('rotates a key: same id, the old secret stops at once, the new one works; usage counts its builds', async () => {
    const k = await createKey({ name: 'rot', scopes: ['build:create', 'build:read'] });
    expect((await startBuild(k.apiKey, 'rot-1')).statusCode).toBe(202);
    const rot = await h.app.inject({
      method: 'POST',
      url: `/api/admin/keys/${k.key.id}/rotate`,
      headers: h.bearer(h.adminKey),
    });
    expect(rot.statusCode).toBe(200);
    const { key, apiKey } = rot.json();
    expect(key.id).toBe(k.key.id);
    expect(apiKey).not.toBe(k.apiKey);
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/builds', headers: h.bearer(k.apiKey) })).statusCode,
    ).toBe(401);
    expect((await startBuild(apiKey, 'rot-2')).statusCode).toBe(202);
    const usage = await h.app.inject({
      method: 'GET',
      url: `/api/admin/keys/${k.key.id}/usage`,
      headers: h.bearer(h.adminKey),
    });
    expect(usage.statusCode).toBe(200);
    expect(usage.json()).toMatchObject({ keyId: k.key.id, totalBuilds: 2, buildsThisMonth: 2 });
    expect(usage.json().builds.QUEUED).toBe(2);
  });

  it("answers 429 with Retry-After past the key's rate limit, and per address on public routes", async () => {
    const k = await createKey({ name: 'limited', scopes: ['build:read'], rateLimit: 3 });
    const codes: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await h.app.inject({ method: 'GET', url: '/api/builds', headers: h.bearer(k.apiKey) });
      codes.push(last.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 429]);
    expect(last?.json().error.code).toBe('LBE_RATE_LIMITED');
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    expect(last?.headers['x-ratelimit-limit']).toBe('3');
    expect(last?.headers['x-ratelimit-remaining']).toBe('0');
    // Another key is counted on its own.
    const other = await createKey({ name: 'other-limited', scopes: ['build:read'], rateLimit: 3 });
    expect(
      (await h.app.inject({ method: 'GET', url: '/api/builds', headers: h.bearer(other.apiKey) })).statusCode,
    ).toBe(200);

    const publicCodes: number[] = [];
    for (let i = 0; i < 6; i++) {
      publicCodes.push(
        (await h.app.inject({ method: 'GET', url: '/docs/json', remoteAddress: '203.0.113.9' })).statusCode,
      );
    }
    expect(publicCodes).toEqual([200, 200, 200, 200, 200, 429]);
    // Health probes are never limited.
    for (let i = 0; i < 8; i++) {
      expect(
        (await h.app.inject({ method: 'GET', url: '/health/live', remoteAddress: '203.0.113.9' })).statusCode,
      ).toBe(200);
    }
  });

  it("refuses builds past the key's and the organization's monthly quota with LBE_QUOTA_EXCEEDED", async () => {
    const k = await createKey({ name: 'quota', scopes: ['build:create', 'build:read'], buildQuota: 2 });
    expect((await startBuild(k.apiKey, 'q1')).statusCode).toBe(202);
    expect((await startBuild(k.apiKey, 'q2')).statusCode).toBe(202);
    const over = await startBuild(k.apiKey, 'q3');
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('LBE_QUOTA_EXCEEDED');
    expect(over.json().error.message).toMatch(
      /quota of this API key \(2\).*resets at \d{4}-\d{2}-01T00:00:00/,
    );

    const org = (
      await h.app.inject({
        method: 'POST',
        url: '/api/admin/organizations',
        headers: h.bearer(h.adminKey),
        payload: { name: 'Small', slug: `small-${kind}`, buildQuota: 1 },
      })
    ).json();
    const k2 = await createKey({ name: 'small', scopes: ['build:create'], organizationId: org.id });
    expect((await startBuild(k2.apiKey, 's1')).statusCode).toBe(202);
    const orgOver = await startBuild(k2.apiKey, 's2');
    expect(orgOver.statusCode).toBe(429);
    expect(orgOver.json().error.message).toMatch(/organization small-/);
    // The operator raises the quota: builds are accepted again.
    const patch = await h.app.inject({
      method: 'PATCH',
      url: `/api/admin/organizations/${org.id}`,
      headers: h.bearer(h.adminKey),
      payload: { buildQuota: 5 },
    });
    expect(patch.statusCode).toBe(200);
    expect((await startBuild(k2.apiKey, 's3')).statusCode).toBe(202);
  });

  it('refuses builds once the organization artifacts fill its storage quota', async () => {
    const org = (
      await h.app.inject({
        method: 'POST',
        url: '/api/admin/organizations',
        headers: h.bearer(h.adminKey),
        payload: { name: 'Tiny', slug: `tiny-${kind}`, storageQuotaBytes: 1000 },
      })
    ).json();
    const k = await createKey({ name: 'tiny', scopes: ['build:create'], organizationId: org.id });
    expect((await startBuild(k.apiKey, 't1')).statusCode).toBe(202);
    const stored = await h.runtime.store.builds.create({
      organizationId: org.id,
      name: 'big',
      spec: {},
      status: 'QUEUED',
    });
    await h.runtime.store.artifacts.add(stored.id, {
      fileType: 'docker',
      fileName: 'image.tar',
      sizeBytes: 1000,
      sha256: null,
      path: `${stored.id}/image.tar`,
    });
    const full = await startBuild(k.apiKey, 't2');
    expect(full.statusCode).toBe(429);
    expect(full.json().error.code).toBe('LBE_QUOTA_STORAGE_EXCEEDED');
  });

  it("lets members cancel only their own builds; admins cancel anyone's", async () => {
    const scopes = ['build:create', 'build:read', 'build:cancel'];
    const m1 = await createKey({ name: 'm1', scopes });
    const m2 = await createKey({ name: 'm2', scopes });
    const admin = await createKey({ name: 'adm-cancel', scopes, role: 'admin' });
    const b1 = (await startBuild(m1.apiKey, 'mine')).json();
    const b2 = (await startBuild(m1.apiKey, 'mine-too')).json();
    const cancel = (key: string, id: string) =>
      h.app.inject({ method: 'POST', url: `/api/build/${id}/cancel`, headers: h.bearer(key) });
    const denied = await cancel(m2.apiKey, b1.buildId);
    expect(denied.statusCode).toBe(403);
    expect((await cancel(m1.apiKey, b1.buildId)).statusCode).toBe(200);
    expect((await cancel(admin.apiKey, b2.buildId)).statusCode).toBe(200);
  });

  it('manages members with roles: only owners grant owner, the last owner stays', async () => {
    const orgs = (
      await h.app.inject({ method: 'GET', url: '/api/admin/organizations', headers: h.bearer(h.adminKey) })
    ).json();
    const orgId = orgs.organizations.find((o: { slug: string }) => o.slug === 'default').id;
    const admin = await createKey({ name: 'org-admin', scopes: ['org:read', 'org:write'], role: 'admin' });
    const base = `/api/admin/organizations/${orgId}/members`;
    const asAdmin = h.bearer(admin.apiKey);
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: base,
          headers: asAdmin,
          payload: { email: 'o@x.test', role: 'owner' },
        })
      ).statusCode,
    ).toBe(403);
    const added = await h.app.inject({
      method: 'POST',
      url: base,
      headers: asAdmin,
      payload: { email: 'Dev@X.test', role: 'member' },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ email: 'dev@x.test', role: 'member' });
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: base,
          headers: asAdmin,
          payload: { email: 'dev@x.test', role: 'admin' },
        })
      ).statusCode,
    ).toBe(409);
    const owner = await h.app.inject({
      method: 'POST',
      url: base,
      headers: h.bearer(h.adminKey),
      payload: { email: 'own@x.test', role: 'owner' },
    });
    expect(owner.statusCode).toBe(201);
    const lastOwner = await h.app.inject({
      method: 'DELETE',
      url: `${base}/${owner.json().id}`,
      headers: h.bearer(h.adminKey),
    });
    expect(lastOwner.statusCode).toBe(409);
    expect(lastOwner.json().error.code).toBe('LBE_ORG_LAST_OWNER');
    const promote = await h.app.inject({
      method: 'PATCH',
      url: `${base}/${added.json().id}`,
      headers: asAdmin,
      payload: { role: 'admin' },
    });
    expect(promote.statusCode).toBe(200);
    const removed = await h.app.inject({
      method: 'DELETE',
      url: `${base}/${added.json().id}`,
      headers: asAdmin,
    });
    expect(removed.statusCode).toBe(204);
    const list = (await h.app.inject({ method: 'GET', url: base, headers: asAdmin })).json();
    expect(list.members.map((m: { email: string }) => m.email)).toEqual(['own@x.test']);
    // Operator-only actions.
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/api/admin/organizations',
          headers: asAdmin,
          payload: { name: 'n', slug: 'n' },
        })
      ).statusCode,
    ).toBe(403);
  });

  it('documents the admin routes in the OpenAPI document', async () => {
    const doc = (
      await h.app.inject({ method: 'GET', url: '/docs/json', remoteAddress: '198.51.100.7' })
    ).json();
    for (const path of [
      '/api/admin/keys',
      '/api/admin/keys/{id}',
      '/api/admin/keys/{id}/rotate',
      '/api/admin/keys/{id}/usage',
      '/api/admin/organizations/{orgId}/members',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});
