import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createId } from '@paralleldrive/cuid2';
import { pino } from 'pino';
import type { LbeApp } from '../../src/api/app.js';
import { createRuntime, type Runtime } from '../../src/app/runtime.js';
import { loadConfig } from '../../src/config/index.js';
import { TEST_POSTGRES_URL, dropTestSchema } from '../../src/store/testing/store-targets.fixture.js';
import { loadPlanner } from '../api/test-planner.js';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface AuthHarness {
  readonly app: LbeApp;
  readonly runtime: Runtime;
  /** ADMIN_API_KEY of this server. */
  readonly adminKey: string;
  bearer(key: string): Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * A server exactly as `lbe serve` composes it (stored-key authenticator, rate limits, quotas; no
 * authenticator override) on a fresh SQLite file or PostgreSQL schema, with ADMIN_API_KEY set so
 * anonymous access is off. No worker runs.
 */
export async function openAuthHarness(
  kind: DatabaseKind,
  options: { env?: Record<string, string>; perIpPerMinute?: number } = {},
): Promise<AuthHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lbe-auth-'));
  const schema = kind === 'postgres' ? `lbe_auth_${createId()}` : undefined;
  const adminKey = `admin-${createId()}-${createId()}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    DATABASE_URL: kind === 'postgres' ? TEST_POSTGRES_URL : `sqlite:${join(dataDir, 'lbe.db')}`,
    QUEUE_DRIVER: 'local',
    ADMIN_API_KEY: adminKey,
    ...options.env,
  });
  const runtime = await createRuntime(config, {
    logger: pino({ level: 'silent' }),
    databaseSchema: schema,
    queuePrefix: `t${createId()}`,
    planner: await loadPlanner(),
    rateLimit: {
      nameSpace: `lbe-test-${createId()}:`,
      ...(options.perIpPerMinute === undefined ? {} : { perIpPerMinute: options.perIpPerMinute }),
    },
  });
  const app = await runtime.createApp();
  await app.ready();
  return {
    app,
    runtime,
    adminKey,
    bearer: (key) => ({ authorization: `Bearer ${key}` }),
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
