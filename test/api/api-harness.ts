import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createId } from '@paralleldrive/cuid2';
import { pino } from 'pino';
import type { LbeApp } from '../../src/api/app.js';
import { FULL_SCOPES, type KeyAuthenticator } from '../../src/api/plugins/auth.plugin.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import type { SpecPlanner } from '../../src/builds/build.service.js';
import type { Principal } from '../../src/builds/principal.js';
import { loadConfig } from '../../src/config/index.js';
import type { ArtifactFileType, Build } from '../../src/store/index.js';
import { TEST_POSTGRES_URL, dropTestSchema } from '../../src/store/testing/store-targets.fixture.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/** Keys → tenants, standing in for the next issue's stored keys; the env-key check has its own test. */
class MapAuthenticator implements KeyAuthenticator {
  constructor(private readonly keys: ReadonlyMap<string, string>) {}
  authenticate(rawKey: string): Promise<Principal | undefined> {
    const tenantId = this.keys.get(rawKey);
    return Promise.resolve(
      tenantId === undefined ? undefined : { tenantId, scopes: FULL_SCOPES, method: 'db-key' },
    );
  }
  anonymous(): Principal | undefined {
    return undefined;
  }
}

export interface ApiHarness {
  readonly app: LbeApp;
  readonly runtime: Runtime;
  readonly dataDir: string;
  /** Key of the default organization, and of a second tenant. */
  readonly keyA: string;
  readonly keyB: string;
  readonly tenantA: string;
  readonly tenantB: string;
  auth(key?: string): Record<string, string>;
  /** A SUCCESS build of tenant A with real artifact files written under ARTIFACTS_DIR and rows in the store. */
  seedSucceededBuild(
    files: Readonly<Partial<Record<ArtifactFileType, { name: string; content: Buffer }>>>,
    tenantId?: string,
  ): Promise<Build>;
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  readonly env?: Record<string, string>;
  readonly planner: SpecPlanner;
  /** Queue / build-event channel prefix (default: a fresh one); share it to talk to another runtime. */
  readonly queuePrefix?: string;
}

/** A runtime + app on a fresh SQLite file or PostgreSQL schema and a temp data dir; no worker runs. */
export async function openApiHarness(kind: DatabaseKind, options: HarnessOptions): Promise<ApiHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lbe-api-'));
  const schema = kind === 'postgres' ? `lbe_api_${createId()}` : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    DATABASE_URL: kind === 'postgres' ? TEST_POSTGRES_URL : `sqlite:${join(dataDir, 'lbe.db')}`,
    QUEUE_DRIVER: 'local',
    ...options.env,
  });
  const keyA = `key-a-${createId()}`;
  const keyB = `key-b-${createId()}`;
  const keys = new Map<string, string>();
  const runtime = await createRuntime(config, {
    logger: pino({ level: 'silent' }),
    databaseSchema: schema,
    queuePrefix: options.queuePrefix ?? `t${createId()}`,
    planner: options.planner,
    authenticator: new MapAuthenticator(keys),
  });
  const other = await runtime.store.organizations.create({ name: 'Other', slug: `other-${createId()}` });
  keys.set(keyA, runtime.defaultTenantId);
  keys.set(keyB, other.id);
  const app = await runtime.createApp();
  await app.ready();

  return {
    app,
    runtime,
    dataDir,
    keyA,
    keyB,
    tenantA: runtime.defaultTenantId,
    tenantB: other.id,
    auth: (key = keyA) => ({ authorization: `Bearer ${key}` }),
    async seedSucceededBuild(files, tenantId = runtime.defaultTenantId) {
      const build = await runtime.store.builds.create({
        organizationId: tenantId,
        name: 'seeded',
        spec: { name: 'seeded', base: 'debian' },
        status: 'QUEUED',
        base: 'debian',
        buildKey: createHash('sha256').update(createId()).digest('hex'),
      });
      await runtime.store.builds.claimForWorker(build.id, 'seed');
      const dir = join(config.artifactsDir, build.id);
      mkdirSync(dir, { recursive: true });
      for (const [type, file] of Object.entries(files)) {
        writeFileSync(join(dir, file.name), file.content);
        await runtime.store.artifacts.add(build.id, {
          fileType: type as ArtifactFileType,
          fileName: file.name,
          sizeBytes: file.content.length,
          sha256: createHash('sha256').update(file.content).digest('hex'),
          path: `${build.id}/${file.name}`,
        });
      }
      await runtime.store.logs.append(build.id, [
        { message: 'step one', step: 'base' },
        { message: 'step two', step: 'packages' },
        { message: 'done', step: 'publish' },
      ]);
      const now = Date.now();
      await runtime.store.builds.transition(build.id, ['IN_PROGRESS'], 'SUCCESS', {
        progress: 100,
        step: 'publish',
        finishedAt: now,
        timings: { base: 10, packages: 20 },
      });
      const done = await runtime.store.builds.get(tenantId, build.id);
      if (done === undefined) throw new Error('seeded build vanished');
      return done;
    },
    async cleanup() {
      await app.close();
      await runtime.close();
      if (schema !== undefined) {
        await dropTestSchema(schema);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
