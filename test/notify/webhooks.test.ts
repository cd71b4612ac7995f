import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createId } from '@paralleldrive/cuid2';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LbeApp } from '../../src/api/app.js';
import { FULL_SCOPES, type KeyAuthenticator } from '../../src/api/plugins/auth.plugin.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { bridgeWorkerEvents } from '../../src/builds/build-runner.js';
import type { Principal } from '../../src/builds/principal.js';
import { loadConfig } from '../../src/config/index.js';
import { verifyWebhookSignature, type ResolvedAddress } from '../../src/notify/index.js';
import type { BuildStatus } from '../../src/store/index.js';
import { TEST_POSTGRES_URL, dropTestSchema } from '../../src/store/testing/store-targets.fixture.js';
import { waitUntil } from '../helpers/free-port.js';
import { loadPlanner } from '../api/test-planner.js';

/** A webhook receiver on loopback: records every request; `respond` decides the answer per path. */
interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
class Receiver {
  readonly requests: Received[] = [];
  /** path → statuses to answer in turn (the last one repeats); default 200. */
  readonly plans = new Map<string, number[]>();
  readonly redirects = new Map<string, string>();
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const location = this.redirects.get(path);
        if (location !== undefined) {
          res.writeHead(302, { location }).end();
          return;
        }
        const plan = this.plans.get(path) ?? [200];
        const status = plan.length > 1 ? (plan.shift() ?? 200) : (plan[0] ?? 200);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  at(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => {
        resolve();
      });
    });
  }
}

/** Stored-key principals: key → tenant, scopes and role. */
class MapAuthenticator implements KeyAuthenticator {
  constructor(private readonly keys: ReadonlyMap<string, Omit<Principal, 'method'>>) {}
  authenticate(rawKey: string): Promise<Principal | undefined> {
    const found = this.keys.get(rawKey);
    return Promise.resolve(
      found === undefined ? undefined : { ...found, method: 'db-key', apiKeyId: `k-${rawKey.slice(0, 8)}` },
    );
  }
  anonymous(): Principal | undefined {
    return undefined;
  }
}

/**
 * DNS as the tests want it, injected into the runtime (no /etc/hosts edits): `receiver.test` is the
 * allowlisted loopback receiver; `internal.test` resolves to 10.x; `mixed.test` has a public and a
 * private record; `rebind.test` can be switched from public to loopback between registration and delivery.
 */
const dns = new Map<string, ResolvedAddress[]>([
  ['receiver.test', [{ address: '127.0.0.1', family: 4 }]],
  ['internal.test', [{ address: '10.1.2.3', family: 4 }]],
  [
    'mixed.test',
    [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ],
  ],
  ['metadata.test', [{ address: 'fd00:ec2::254', family: 6 }]],
  ['rebind.test', [{ address: '93.184.216.34', family: 4 }]],
]);
const lookup = (hostname: string): Promise<readonly ResolvedAddress[]> => {
  const found = dns.get(hostname.toLowerCase());
  return found === undefined ? Promise.reject(new Error(`ENOTFOUND ${hostname}`)) : Promise.resolve(found);
};

describe.each(['sqlite', 'postgres'] as const)('webhooks on %s', (kind) => {
  const receiver = new Receiver();
  let runtime: Runtime;
  let app: LbeApp;
  let dataDir: string;
  let schema: string | undefined;
  const keyA = `key-a-${createId()}`;
  const keyB = `key-b-${createId()}`;
  const keyMember = `key-m-${createId()}`;
  const keyBuildsOnly = `key-r-${createId()}`;
  let tenantA: string;
  const auth = (key = keyA) => ({ authorization: `Bearer ${key}` });
  const url = (path: string) => `http://receiver.test:${receiver.port}${path}`;

  beforeAll(async () => {
    await receiver.start();
    dataDir = mkdtempSync(join(tmpdir(), 'lbe-webhooks-'));
    schema = kind === 'postgres' ? `lbe_wh_${createId()}` : undefined;
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      DATABASE_URL: kind === 'postgres' ? TEST_POSTGRES_URL : `sqlite:${join(dataDir, 'lbe.db')}`,
      QUEUE_DRIVER: 'local',
      WEBHOOK_ALLOWED_HOSTS: 'receiver.test',
    });
    const keys = new Map<string, Omit<Principal, 'method'>>();
    runtime = await createRuntime(config, {
      logger: pino({ level: 'silent' }),
      databaseSchema: schema,
      queuePrefix: `t${createId()}`,
      planner: await loadPlanner(),
      authenticator: new MapAuthenticator(keys),
      webhooks: {
        lookup,
        pollIntervalMs: 50,
        policy: {
          retryBaseMs: 150,
          retryMaxMs: 400,
          maxAttempts: 4,
          disableAfterFailures: 6,
          timeoutMs: 3000,
        },
      },
    });
    tenantA = runtime.defaultTenantId;
    const other = await runtime.store.organizations.create({ name: 'Other', slug: `other-${createId()}` });
    keys.set(keyA, { tenantId: tenantA, scopes: FULL_SCOPES, role: 'admin' });
    keys.set(keyB, { tenantId: other.id, scopes: FULL_SCOPES, role: 'admin' });
    keys.set(keyMember, { tenantId: tenantA, scopes: ['webhook:read', 'webhook:write'], role: 'member' });
    keys.set(keyBuildsOnly, { tenantId: tenantA, scopes: ['build:read', 'build:create'], role: 'owner' });
    app = await runtime.createApp();
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await runtime.close();
    await receiver.stop();
    if (schema !== undefined) await dropTestSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function register(body: Record<string, unknown>) {
    const res = await app.inject({ method: 'POST', url: '/api/webhooks', headers: auth(), payload: body });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  }

  /** A real build row moved through the states the worker reports, published as the worker does. */
  async function runBuild(statuses: readonly BuildStatus[], errorCode?: string): Promise<string> {
    const build = await runtime.store.builds.create({
      organizationId: tenantA,
      name: 'hooked',
      spec: { name: 'hooked', base: 'debian' },
      status: 'QUEUED',
      base: 'debian',
      buildKey: createHash('sha256').update(createId()).digest('hex'),
    });
    const publish = bridgeWorkerEvents({
      store: runtime.store,
      events: runtime.events,
      logger: runtime.logger,
    });
    await runtime.store.builds.claimForWorker(build.id, 'test-worker');
    publish({ type: 'status', buildId: build.id, organizationId: tenantA, status: 'IN_PROGRESS' });
    for (const status of statuses) {
      await runtime.store.builds.transition(build.id, ['IN_PROGRESS'], status, { finishedAt: Date.now() });
      publish({
        type: 'status',
        buildId: build.id,
        organizationId: tenantA,
        status,
        ...(errorCode === undefined ? {} : { errorCode }),
      });
    }
    return build.id;
  }

  async function deliveries(id: string, key = keyA) {
    const res = await app.inject({
      method: 'GET',
      url: `/api/webhooks/${id}/deliveries`,
      headers: auth(key),
    });
    return { status: res.statusCode, body: res.json<{ deliveries: Record<string, unknown>[] }>() };
  }

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(Object.keys(doc.paths['/api/webhooks'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/webhooks/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
    expect(doc.paths['/api/webhooks/{id}/deliveries']).toHaveProperty('get');
    expect(doc.paths['/api/webhooks/{id}/test']).toHaveProperty('post');
  });

  it('returns the secret once, scopes webhooks to their organization', async () => {
    const created = await register({ url: url('/scoped'), events: ['build.completed'] });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const id = String(created.body.id);
    const one = await app.inject({ method: 'GET', url: `/api/webhooks/${id}`, headers: auth() });
    expect(one.statusCode).toBe(200);
    expect(one.json()).not.toHaveProperty('secret');
    expect(one.json()).toMatchObject({ url: url('/scoped'), events: ['build.completed'], format: 'json' });
    const list = await app.inject({ method: 'GET', url: '/api/webhooks', headers: auth() });
    expect(JSON.stringify(list.json())).not.toContain(String(created.body.secret));
    for (const [method, path] of [
      ['GET', `/api/webhooks/${id}`],
      ['GET', `/api/webhooks/${id}/deliveries`],
      ['POST', `/api/webhooks/${id}/test`],
      ['DELETE', `/api/webhooks/${id}`],
    ] as const) {
      const res = await app.inject({ method, url: path, headers: auth(keyB) });
      expect(res.statusCode, `${method} ${path}`).toBe(404);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('LBE_WEBHOOK_NOT_FOUND');
    }
    const listB = await app.inject({ method: 'GET', url: '/api/webhooks', headers: auth(keyB) });
    expect(listB.json()).toEqual({ webhooks: [] });
    expect((await app.inject({ method: 'GET', url: '/api/webhooks' })).statusCode).toBe(401);
    // Reading needs webhook:read; changing needs webhook:write and the admin role.
    const asMember = { method: 'POST' as const, url: '/api/webhooks', payload: { url: url('/x') } };
    const denied = await app.inject({ ...asMember, headers: auth(keyMember) });
    expect(denied.statusCode).toBe(403);
    expect(denied.json<{ error: { code: string } }>().error.code).toBe('LBE_AUTH_FORBIDDEN');
    expect(
      (await app.inject({ method: 'GET', url: '/api/webhooks', headers: auth(keyMember) })).statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: 'DELETE', url: `/api/webhooks/${id}`, headers: auth(keyMember) }))
        .statusCode,
    ).toBe(403);
    expect(
      (await app.inject({ method: 'GET', url: '/api/webhooks', headers: auth(keyBuildsOnly) })).statusCode,
    ).toBe(403);
    expect((await app.inject({ ...asMember, headers: auth(keyBuildsOnly) })).statusCode).toBe(403);
    expect(
      (await app.inject({ method: 'DELETE', url: `/api/webhooks/${id}`, headers: auth() })).statusCode,
    ).toBe(204);
    expect(
      (await app.inject({ method: 'GET', url: `/api/webhooks/${id}`, headers: auth() })).statusCode,
    ).toBe(404);
  });

  it('delivers started then completed in order, signed, retrying after a 500, with the attempts logged', async () => {
    receiver.plans.set('/ordered', [500, 200]);
    const created = await register({ url: url('/ordered') });
    expect(created.status).toBe(201);
    const secret = String(created.body.secret);
    const buildId = await runBuild(['SUCCESS']);
    await waitUntil(async () => Promise.resolve(receiver.at('/ordered').length >= 3), {
      timeoutMs: 15_000,
      what: 'three requests at /ordered',
    });
    const got = receiver.at('/ordered');
    expect(got.map((r) => r.headers['x-webhook-event'])).toEqual([
      'build.started',
      'build.started',
      'build.completed',
    ]);
    for (const r of got) {
      expect(
        verifyWebhookSignature({
          secret,
          signature: r.headers['x-webhook-signature'] as string,
          timestamp: r.headers['x-webhook-timestamp'] as string,
          body: r.body,
        }),
      ).toBe('valid');
      expect(
        verifyWebhookSignature({
          secret: 'whsec_wrong',
          signature: r.headers['x-webhook-signature'] as string,
          timestamp: r.headers['x-webhook-timestamp'] as string,
          body: r.body,
        }),
      ).toBe('mismatch');
      expect(r.headers['content-type']).toBe('application/json');
    }
    // The retry is the same delivery: same id and the same bytes.
    expect(got[0]?.headers['x-webhook-id']).toBe(got[1]?.headers['x-webhook-id']);
    expect(got[0]?.body).toBe(got[1]?.body);
    const completed = JSON.parse(got[2]?.body ?? '{}') as Record<string, unknown>;
    expect(completed).toMatchObject({
      event: 'build.completed',
      organizationId: tenantA,
      data: { buildId, status: 'SUCCESS', errorCode: null, artifacts: [] },
    });

    await waitUntil(
      async () =>
        (await deliveries(String(created.body.id))).body.deliveries.every((d) => d.status === 'delivered'),
      { timeoutMs: 5000, what: 'deliveries recorded' },
    );
    const log = (await deliveries(String(created.body.id))).body.deliveries;
    expect(log.map((d) => d.event)).toEqual(['build.completed', 'build.started']); // newest first
    expect(log[1]).toMatchObject({ status: 'delivered', attempts: 2, responseStatus: 200 });
    expect(
      (log[1]?.attemptLog as Record<string, unknown>[]).map((a) => [a.attempt, a.responseStatus, a.error]),
    ).toEqual([
      [1, 500, 'HTTP 500'],
      [2, 200, null],
    ]);
    expect(log[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('disables a webhook after repeated failures and can re-enable it', async () => {
    receiver.plans.set('/down', [503]);
    const created = await register({ url: url('/down'), events: ['build.failed'] });
    const id = String(created.body.id);
    await runBuild(['FAILED'], 'LBE_BUILD_STAGE_FAILED');
    await runBuild(['FAILED'], 'LBE_BUILD_STAGE_FAILED');
    await waitUntil(
      async () => {
        const res = await app.inject({ method: 'GET', url: `/api/webhooks/${id}`, headers: auth() });
        return !res.json<{ isActive: boolean }>().isActive;
      },
      { timeoutMs: 20_000, what: 'webhook disabled' },
    );
    const hook = (await app.inject({ method: 'GET', url: `/api/webhooks/${id}`, headers: auth() })).json<
      Record<string, unknown>
    >();
    expect(hook).toMatchObject({ isActive: false, failureCount: 6 });
    expect(hook.disabledAt).not.toBeNull();
    const log = (await deliveries(id)).body.deliveries;
    // maxAttempts 4: the first delivery failed after 4 attempts, the second was stopped at 2 by the disable.
    expect(log.map((d) => [d.status, d.attempts])).toEqual([
      ['failed', 2],
      ['failed', 4],
    ]);
    expect(receiver.at('/down')).toHaveLength(6);
    const body = JSON.parse(receiver.at('/down')[0]?.body ?? '{}') as { data: { errorCode: string } };
    expect(body.data.errorCode).toBe('LBE_BUILD_STAGE_FAILED');
    const test = await app.inject({ method: 'POST', url: `/api/webhooks/${id}/test`, headers: auth() });
    expect(test.json<{ error: { code: string } }>().error.code).toBe('LBE_WEBHOOK_DISABLED');

    receiver.plans.set('/down', [200]);
    const enabled = await app.inject({
      method: 'PATCH',
      url: `/api/webhooks/${id}`,
      headers: auth(),
      payload: { isActive: true },
    });
    expect(enabled.json()).toMatchObject({ isActive: true, failureCount: 0, disabledAt: null });
    const ping = await app.inject({ method: 'POST', url: `/api/webhooks/${id}/test`, headers: auth() });
    expect(ping.json()).toMatchObject({ event: 'webhook.test', status: 'delivered', responseStatus: 200 });
  });

  it.each([
    ['http://127.0.0.1:9/hook', 'LBE_WEBHOOK_URL_FORBIDDEN', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'LBE_WEBHOOK_URL_FORBIDDEN', 'link-local'],
    ['http://[::1]:8080/', 'LBE_WEBHOOK_URL_FORBIDDEN', 'loopback'],
    ['http://[::ffff:169.254.169.254]/', 'LBE_WEBHOOK_URL_FORBIDDEN', 'link-local'],
    ['http://0.0.0.0:80/', 'LBE_WEBHOOK_URL_FORBIDDEN', 'unspecified'],
    ['http://100.64.1.1/', 'LBE_WEBHOOK_URL_FORBIDDEN', 'cgnat'],
    ['https://internal.test/hook', 'LBE_WEBHOOK_URL_FORBIDDEN', 'private'],
    ['https://mixed.test/hook', 'LBE_WEBHOOK_URL_FORBIDDEN', 'private'],
    ['https://metadata.test/hook', 'LBE_WEBHOOK_URL_FORBIDDEN', 'private'],
    ['ftp://receiver.test/hook', 'LBE_WEBHOOK_URL_FORBIDDEN', 'Webhook URLs must use http or https'],
    ['file:///etc/passwd', 'LBE_WEBHOOK_URL_FORBIDDEN', 'http or https'],
    ['http://user:pw@receiver.test/', 'LBE_WEBHOOK_URL_FORBIDDEN', 'user name or password'],
    ['https://nowhere.test/hook', 'LBE_WEBHOOK_URL_UNRESOLVABLE', 'does not resolve'],
  ])('refuses %s at registration', async (target, code, message) => {
    const res = await register({ url: target });
    expect(res.status).toBe(400);
    const error = (res.body as { error: { code: string; message: string } }).error;
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it('does not follow a redirect to a metadata or loopback address', async () => {
    receiver.redirects.set('/redirect-metadata', 'http://169.254.169.254/latest/meta-data/');
    receiver.redirects.set('/redirect-loopback', `http://127.0.0.1:${receiver.port}/landing`);
    for (const path of ['/redirect-metadata', '/redirect-loopback']) {
      const created = await register({ url: url(path) });
      const res = await app.inject({
        method: 'POST',
        url: `/api/webhooks/${String(created.body.id)}/test`,
        headers: auth(),
      });
      const delivery = res.json<Record<string, unknown>>();
      expect(delivery).toMatchObject({ attempts: 1, responseStatus: 302, status: 'pending' });
      expect(String(delivery.lastError)).toContain('not followed');
      await app.inject({
        method: 'DELETE',
        url: `/api/webhooks/${String(created.body.id)}`,
        headers: auth(),
      });
    }
    expect(receiver.at('/landing')).toHaveLength(0);
  });

  it('re-checks DNS at delivery time: a name that now resolves to loopback is refused without connecting', async () => {
    dns.set('rebind.test', [{ address: '93.184.216.34', family: 4 }]);
    const created = await register({ url: `http://rebind.test:${receiver.port}/rebound` });
    expect(created.status).toBe(201);
    dns.set('rebind.test', [{ address: '127.0.0.1', family: 4 }]);
    const res = await app.inject({
      method: 'POST',
      url: `/api/webhooks/${String(created.body.id)}/test`,
      headers: auth(),
    });
    expect(res.json()).toMatchObject({ status: 'failed', attempts: 1, responseStatus: null });
    expect(res.json<{ lastError: string }>().lastError).toContain('LBE_WEBHOOK_URL_FORBIDDEN');
    expect(receiver.at('/rebound')).toHaveLength(0);
  });

  it('sends Slack and Discord incoming-webhook shapes', async () => {
    await register({ url: url('/slack'), format: 'slack', events: ['build.cancelled'] });
    await register({ url: url('/discord'), format: 'discord', events: ['build.cancelled'] });
    const buildId = await runBuild(['CANCELLED']);
    await waitUntil(
      async () => Promise.resolve(receiver.at('/slack').length > 0 && receiver.at('/discord').length > 0),
      { timeoutMs: 10_000, what: 'slack and discord requests' },
    );
    const slack = JSON.parse(receiver.at('/slack')[0]?.body ?? '{}') as {
      text: string;
      blocks: { type: string; text?: { type: string; text: string } }[];
    };
    expect(slack.text).toBe(`Build cancelled: ${buildId}`);
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(slack.blocks[1]?.text).toMatchObject({ type: 'mrkdwn' });
    expect(slack.blocks[1]?.text?.text).toContain('Status: CANCELLED');
    const discord = JSON.parse(receiver.at('/discord')[0]?.body ?? '{}') as {
      embeds: { title: string; color: number; fields: { name: string; value: string }[] }[];
      allowed_mentions: unknown;
    };
    expect(discord.embeds).toHaveLength(1);
    expect(discord.embeds[0]).toMatchObject({ title: 'Build cancelled', color: 0x9ca3af });
    expect(discord.embeds[0]?.fields).toEqual(
      expect.arrayContaining([
        { name: 'Build', value: buildId, inline: true },
        { name: 'Status', value: 'CANCELLED', inline: true },
      ]),
    );
    expect(discord.allowed_mentions).toEqual({ parse: [] });
    expect(receiver.at('/slack')[0]?.headers['x-webhook-event']).toBe('build.cancelled');
  });
});
