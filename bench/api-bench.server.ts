/**
 * The server side of `bench/api.bench.ts`, run as its own process (plain `node` on the compiled output, or
 * under tsx for the development figure). Seeds a SUCCESS build (50 log lines, one artifact) on a fresh
 * SQLite DATA_DIR, serves the full app and bare Fastify routes (`/bare` → `{ok:true}`, `/bare-sized` → the
 * status response's bytes, precomputed), plus the floor route (below), and talks to the bench over IPC:
 * → `{type:'ready', statusUrl, runningStatusUrl, bareUrl, bareSizedUrl, floorUrl, idleRss}` once listening
 *   and settled;
 * ← `sample-start` / `sample-stop` (→ `{type:'rss', peakRss, cpuMicros}`: peak RSS and CPU time used in
 *   between) around each load run; ← `exit`.
 * NODE_ENV=production and LOG_LEVEL=info (the production defaults); the product's logger (`createLogger`:
 * redaction, ISO timestamps), written to /dev/null.
 *
 * The floor route (`/floor/:id`, its own Fastify instance) does only what this API's status route cannot
 * skip whatever its implementation: it takes the request id (`x-request-id` or a new UUID) and returns it,
 * checks the key the way API_KEYS keys are checked (sha256 + constant-time compare), writes the one
 * `request completed` log line per request that the log-events table asks for, and answers the status
 * response's bytes, precomputed. No security headers, CORS, scopes, rate limits, metrics, validation or
 * store. It tells how much of the distance to the bare route is the app's and how much is the work itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { EnvKeyAuthenticator, extractApiKey } from '../src/api/plugins/auth.plugin.js';
import { generateRequestId } from '../src/api/plugins/request-id.plugin.js';
import { createRuntime } from '../src/app/runtime.js';
import { planSpec } from '../src/app/spec-planner.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/observability/index.js';

export const BENCH_API_KEY = 'bench-key-0123456789';

export type ServerMessage =
  | {
      type: 'ready';
      statusUrl: string;
      runningStatusUrl: string;
      bareUrl: string;
      bareSizedUrl: string;
      floorUrl: string;
      idleRss: number;
    }
  | { type: 'rss'; peakRss: number; cpuMicros: number };
export type ParentMessage = { type: 'sample-start' } | { type: 'sample-stop' } | { type: 'exit' };

async function serve(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lbe-bench-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    API_KEYS: BENCH_API_KEY,
    QUEUE_DRIVER: 'local',
  });
  const logger = createLogger(config, pino.destination('/dev/null'));
  const runtime = await createRuntime(config, { logger, planner: planSpec });
  const app = await runtime.createApp();
  const build = await runtime.store.builds.create({
    organizationId: runtime.defaultTenantId,
    name: 'bench',
    spec: { name: 'bench', base: 'debian' },
  });
  await runtime.store.builds.claimForWorker(build.id, 'bench');
  await runtime.store.logs.append(
    build.id,
    Array.from({ length: 50 }, (_, i) => ({ message: `line ${i} of the packages step`, step: 'packages' })),
  );
  await runtime.store.artifacts.add(build.id, {
    fileType: 'docker',
    fileName: 'image.tar',
    sizeBytes: 1,
    sha256: 'a'.repeat(64),
    path: `${build.id}/image.tar`,
  });
  await runtime.store.builds.transition(build.id, ['IN_PROGRESS'], 'SUCCESS', {
    progress: 100,
    finishedAt: Date.now(),
  });
  // The same content on a build still running: its status is read from the store on every request.
  const running = await runtime.store.builds.create({
    organizationId: runtime.defaultTenantId,
    name: 'bench-running',
    spec: { name: 'bench-running', base: 'debian' },
  });
  await runtime.store.builds.claimForWorker(running.id, 'bench');
  await runtime.store.logs.append(
    running.id,
    Array.from({ length: 50 }, (_, i) => ({ message: `line ${i} of the packages step`, step: 'packages' })),
  );
  await runtime.store.artifacts.add(running.id, {
    fileType: 'docker',
    fileName: 'image.tar',
    sizeBytes: 1,
    sha256: 'a'.repeat(64),
    path: `${running.id}/image.tar`,
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const bare = Fastify({ logger: false });
  bare.get('/bare', () => ({ ok: true }));
  // The same bytes as the status response, precomputed: separates the cost of the body's size (kernel,
  // load generator) from the cost of the app stack.
  const statusBody = (
    await app.inject({
      url: `/api/build/status/${build.id}`,
      headers: { authorization: `Bearer ${BENCH_API_KEY}` },
    })
  ).body;
  bare.get('/bare-sized', (_request, reply) => {
    void reply.type('application/json; charset=utf-8');
    return statusBody;
  });
  const bareAddress = await bare.listen({ host: '127.0.0.1', port: 0 });
  const floor = await floorServer(logger, statusBody);
  const floorAddress = await floor.listen({ host: '127.0.0.1', port: 0 });

  // Idle: after start-up, seeding and a settle period, as an operator would see it.
  await new Promise((r) => setTimeout(r, 2000));
  const send = (m: ServerMessage): void => {
    process.send?.(m);
  };
  send({
    type: 'ready',
    statusUrl: `${address}/api/build/status/${build.id}`,
    runningStatusUrl: `${address}/api/build/status/${running.id}`,
    bareUrl: `${bareAddress}/bare`,
    bareSizedUrl: `${bareAddress}/bare-sized`,
    floorUrl: `${floorAddress}/floor/${build.id}`,
    idleRss: process.memoryUsage().rss,
  });
  let peak = 0;
  let cpuAtStart = process.cpuUsage();
  let sampler: NodeJS.Timeout | undefined;
  process.on('message', (m: ParentMessage) => {
    switch (m.type) {
      case 'sample-start':
        cpuAtStart = process.cpuUsage();
        peak = process.memoryUsage().rss;
        sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
        }, 100);
        break;
      case 'sample-stop':
        clearInterval(sampler);
        {
          const cpu = process.cpuUsage(cpuAtStart);
          send({ type: 'rss', peakRss: peak, cpuMicros: cpu.user + cpu.system });
        }
        break;
      case 'exit':
        void (async () => {
          await bare.close();
          await floor.close();
          await app.close();
          await runtime.close();
          rmSync(dataDir, { recursive: true, force: true });
          process.disconnect();
        })();
        break;
    }
  });
}

/** The floor route (see the file comment): the work no implementation of the status route can skip. */
async function floorServer(logger: FastifyBaseLogger, body: string): Promise<FastifyInstance> {
  const authenticator = new EnvKeyAuthenticator([BENCH_API_KEY], 'bench', false);
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: generateRequestId,
    requestIdHeader: false,
  });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    const key = extractApiKey(request);
    if (key === undefined || (await authenticator.authenticate(key)) === undefined) {
      return reply.code(401).send({ error: { code: 'LBE_AUTH_INVALID' } });
    }
    return undefined;
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url,
        path: request.url.split('?')[0],
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
    done();
  });
  const bytes = Buffer.from(body, 'utf8');
  app.get('/floor/:id', (_request, reply) => reply.type('application/json; charset=utf-8').send(bytes));
  await app.ready();
  return app;
}

if (process.send !== undefined) await serve();
