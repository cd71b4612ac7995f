import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createId } from '@paralleldrive/cuid2';
import { afterEach, describe, expect, it } from 'vitest';
import { createJobQueue, type JobQueue } from '../../src/jobs/index.js';
import type { Build } from '../../src/store/index.js';
import { TEST_REDIS_URL, waitUntil } from '../../src/jobs/testing/queue-targets.fixture.js';
import {
  postgresTarget,
  sqliteTarget,
  type OpenedStore,
} from '../../src/store/testing/store-targets.fixture.js';

/**
 * Nothing is lost when a worker process dies: a worker is SIGKILLed in the middle of two builds, a new
 * worker with a reconciler starts, and every build ends SUCCESS — the killed ones on their second attempt.
 */
const WORKER_SCRIPT = fileURLToPath(new URL('./fixtures/worker.process.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Child {
  readonly proc: ChildProcess;
  readonly output: string[];
}

function startWorker(config: Record<string, unknown>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT, JSON.stringify(config)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  proc.stdout
    .setEncoding('utf8')
    .on('data', (chunk: string) => output.push(...chunk.split('\n').filter(Boolean)));
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => output.push(`stderr: ${chunk}`));
  return { proc, output };
}

async function stop(child: Child, signal: NodeJS.Signals): Promise<number | null> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return child.proc.exitCode;
  const exited = once(child.proc, 'exit');
  child.proc.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

const CASES = [
  { name: 'local queue on a SQLite file', driver: 'local', db: sqliteTarget },
  { name: 'local queue on PostgreSQL', driver: 'local', db: postgresTarget },
  { name: 'bullmq on Redis with PostgreSQL', driver: 'bullmq', db: postgresTarget },
] as const;

describe.each(CASES)('a worker killed mid-build loses nothing: $name', ({ driver, db }) => {
  const children: Child[] = [];
  let opened: OpenedStore | undefined;
  let queue: JobQueue | undefined;

  afterEach(async () => {
    for (const c of children.splice(0)) await stop(c, 'SIGKILL');
    await queue?.drain();
    await queue?.close();
    await opened?.cleanup();
  });

  it('SIGKILL during two builds, then a new worker + reconciler finishes all three', async () => {
    opened = await db.open();
    const { store } = opened;
    const prefix = `lbe-crash-${createId()}`;
    const common = { ...opened.connection, driver, redisUrl: TEST_REDIS_URL, prefix, leaseMs: 1500 };
    queue = createJobQueue({ driver, store, redisUrl: TEST_REDIS_URL, prefix, leaseMs: 1500 });

    const org = await store.organizations.create({ name: 'Crash', slug: 'crash' });
    const builds: Build[] = [];
    for (let i = 0; i < 3; i++) {
      const b = await store.builds.create({ organizationId: org.id, name: `b${i}`, spec: { i } });
      await queue.enqueue(b.id, { maxAttempts: 3 });
      builds.push(b);
    }
    const status = async () =>
      Promise.all(builds.map(async (b) => (await store.builds.get(org.id, b.id))?.status));

    const doomed = startWorker({ ...common, buildMs: 60_000, withReconciler: false });
    children.push(doomed);
    // Kill only once two builds are really inside runBuild (their first log line and progress are written).
    const rows = async () => Promise.all(builds.map((b) => store.builds.get(org.id, b.id)));
    await waitUntil(
      async () => (await rows()).filter((r) => r?.status === 'IN_PROGRESS' && r.step === 'base').length === 2,
      20_000,
    ).catch((err: unknown) => {
      throw new Error(`worker did not start two builds: ${doomed.output.join('\n')}`, { cause: err });
    });
    await stop(doomed, 'SIGKILL');
    expect(doomed.proc.signalCode).toBe('SIGKILL');
    const killedRows = await rows();
    const started = killedRows.filter((r) => r?.status === 'IN_PROGRESS').map((r) => r!.id);
    expect(started).toHaveLength(2);
    expect(killedRows.filter((r) => r?.status === 'QUEUED')).toHaveLength(1);

    const t0 = Date.now();
    const rescuer = startWorker({ ...common, buildMs: 200, withReconciler: true });
    children.push(rescuer);
    await waitUntil(async () => (await status()).every((s) => s === 'SUCCESS'), 30_000).catch(
      (err: unknown) => {
        throw new Error(`builds not recovered: ${rescuer.output.join('\n')}`, { cause: err });
      },
    );
    const recoveryMs = Date.now() - t0;

    for (const b of builds) {
      const done = await store.builds.get(org.id, b.id);
      const wasKilled = started.includes(b.id);
      expect(done).toMatchObject({ status: 'SUCCESS', attempts: wasKilled ? 2 : 1, progress: 100 });
      const logs = await store.logs.list(org.id, b.id);
      expect(logs?.lines.map((l) => l.message.split(' on pid')[0])).toEqual(
        wasKilled ? ['attempt 1', 'attempt 2'] : ['attempt 1'],
      );
    }
    // Nothing left behind in the transport either.
    await waitUntil(async () => {
      const c = await queue!.counts();
      return c.waiting + c.delayed + c.active === 0;
    }, 10_000);
    expect(await stop(rescuer, 'SIGTERM')).toBe(0);
    console.log(`${driver}/${db.name}: recovered 3 builds in ${recoveryMs} ms after SIGKILL`);
  });
});
