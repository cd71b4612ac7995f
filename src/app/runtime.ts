import { mkdirSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { createAiServices, type LlmClient } from '../ai/index.js';
import { buildApp, type LbeApp } from '../api/app.js';
import type { AppDeps } from '../api/app.types.js';
import type { KeyAuthenticator } from '../api/plugins/auth.plugin.js';
import { createAiRoutesPlugin } from '../api/routes/ai/ai.routes.js';
import { createWebhooksRoutesPlugin } from '../api/routes/webhooks/webhooks.routes.js';
import { builderToolsCheck, ollamaCheck, type HealthCheck } from '../api/routes/health/health.checks.js';
import { ArtifactRetention } from '../artifacts/index.js';
import { BuildPolicy } from '../auth/build-policy.js';
import { KeyService } from '../auth/key.service.js';
import { StoredKeyAuthenticator } from '../auth/stored-key.authenticator.js';
import { BuildEventBus } from '../builds/build-events.js';
import { attachRedisEventBridge, type RedisEventBridge } from '../builds/build-events.redis-bridge.js';
import { attachBuildMetrics } from '../builds/build-metrics.js';
import { BuildService, type SpecGenerator, type SpecPlanner } from '../builds/build.service.js';
import type { Config } from '../config/index.js';
import { LbeError } from '../errors/index.js';
import { BuildWorker, Reconciler } from '../jobs/index.js';
import { createJobQueue } from '../jobs/job-queue.factory.js';
import { ENGINE_VERSION } from '../executor/pipeline/build-key.js';
import { bridgeWorkerEvents, createRunBuild, type ExecutorPort } from '../builds/build-runner.js';
import type { JobQueue, QueueDriver } from '../jobs/job-queue.js';
import {
  createWebhookNotifications,
  type DeliveryPolicy,
  type HostLookup,
  type WebhookNotifications,
} from '../notify/index.js';
import { createLogger, LbeMetrics } from '../observability/index.js';
import { bootstrapDefaultOrganization, createStore, type Store } from '../store/index.js';
import { readEngineVersion } from './engine-version.js';

export interface RuntimeOptions {
  readonly logger?: Logger;
  /** PostgreSQL schema (tests give each run its own). */
  readonly databaseSchema?: string;
  /** Queue name prefix / BullMQ key prefix / build-event channel prefix (tests give each run its own). */
  readonly queuePrefix?: string;
  /** Replaces the key check (ADMIN_API_KEY, API_KEYS, stored keys); tests only. */
  readonly authenticator?: KeyAuthenticator;
  /** Spec → plan hash and warnings (the entry points pass `planSpec` from `spec-planner.ts`). */
  readonly planner: SpecPlanner;
  /** Replaces the configured LLM for `prompt` builds; default: the AI services' generator. */
  readonly generateSpec?: SpecGenerator;
  /** Replaces the LLM client chosen from the config (OLLAMA_URL / LLM_PROVIDER); tests pass a mock's. */
  readonly llmClient?: LlmClient;
  /** Routes registered after the built-in ones (the AI routes are always registered). */
  readonly extraRoutes?: readonly FastifyPluginAsync[];
  /** Local queue poll period (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** Local queue lease / BullMQ lock: how long until a dead worker's job is delivered again. */
  readonly leaseMs?: number;
  readonly metrics?: LbeMetrics;
  /** Webhook delivery: DNS lookup (tests resolve names their own way), retry policy, poll period. */
  readonly webhooks?: {
    readonly lookup?: HostLookup;
    readonly policy?: Partial<DeliveryPolicy>;
    readonly pollIntervalMs?: number;
  };
  /** Request-limit overrides (tests: a small per-IP limit, their own Redis namespace). */
  readonly rateLimit?: AppDeps['rateLimit'];
}

/** The process's long-lived parts, wired once from the parsed config. */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: Store;
  readonly queue: JobQueue;
  readonly events: BuildEventBus;
  readonly metrics: LbeMetrics;
  readonly buildService: BuildService;
  readonly retention: ArtifactRetention;
  /** Stored API keys: issue, rotate, revoke (revocations reach this process's key cache at once). */
  readonly keys: KeyService;
  /** Webhook management, the build-event notifier and the background delivery dispatcher (running). */
  readonly webhooks: WebhookNotifications;
  readonly engineVersion: string;
  readonly defaultTenantId: string;
  /** Builds the HTTP app on these parts (does not listen). */
  createApp(): Promise<LbeApp>;
  /**
   * Starts a BuildWorker (running `executor`) and the reconciler. Returns a stopper that lets running builds
   * finish for `graceMs`, then aborts them (they go back to QUEUED for the next process).
   */
  startWorker(
    executor: ExecutorPort,
    options?: {
      graceMs?: number;
      reconcileIntervalMs?: number;
      staleAfterMs?: number;
      heartbeatIntervalMs?: number;
    },
  ): { worker: BuildWorker; stop(): Promise<void> };
  /**
   * Stops retention and webhook delivery, closes the build-event bridge, the queue, then the store.
   * Idempotent; every step runs even when one throws.
   */
  close(): Promise<void>;
}

/** `QUEUE_DRIVER=auto` → `bullmq` when REDIS_URL is set, else `local`. */
export function resolveQueueDriver(config: Config): QueueDriver {
  if (config.QUEUE_DRIVER === 'auto') return config.REDIS_URL === undefined ? 'local' : 'bullmq';
  if (config.QUEUE_DRIVER === 'bullmq' && config.REDIS_URL === undefined) {
    throw new LbeError('LBE_CONFIG_INVALID', 'QUEUE_DRIVER=bullmq needs REDIS_URL', {
      issues: [{ path: 'REDIS_URL', message: 'required when QUEUE_DRIVER=bullmq' }],
    });
  }
  return config.QUEUE_DRIVER;
}

/**
 * Refuses to start in production without API keys; in development with none, warns that every request
 * acts as the `default` organization (embedded single-user mode).
 */
export function assertAuthConfig(config: Config, logger: Logger): void {
  if (config.API_KEYS.length > 0 || config.ADMIN_API_KEY !== undefined) return;
  if (config.NODE_ENV === 'production') {
    throw new LbeError(
      'LBE_CONFIG_INVALID',
      'API_KEYS and ADMIN_API_KEY are empty in production: set ADMIN_API_KEY (to issue stored keys) or API_KEYS so the API is not open to everyone',
      {
        issues: [
          { path: 'API_KEYS', message: 'API_KEYS or ADMIN_API_KEY is required when NODE_ENV=production' },
        ],
      },
    );
  }
  logger.warn(
    'API_KEYS is empty: anonymous requests act as the default organization (embedded single-user mode; never expose this server)',
  );
}

/**
 * The composition root: opens the store (migrating it and ensuring the `default` organization), the queue,
 * the event bus (bridged to the other processes over Redis when REDIS_URL is set), metrics, the build
 * service and retention. Workers and listeners are started by the entry points (`src/bin/*`), which own the
 * process lifecycle.
 */
export async function createRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config);
  mkdirSync(config.artifactsDir, { recursive: true });
  const store = createStore({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    schema: options.databaseSchema,
    logger,
  });
  let queue: JobQueue | undefined;
  let eventBridge: RedisEventBridge | undefined;
  try {
    await store.migrate();
    const defaultOrg = await bootstrapDefaultOrganization(store);
    queue = createJobQueue({
      driver: resolveQueueDriver(config),
      store,
      redisUrl: config.REDIS_URL,
      prefix: options.queuePrefix,
      pollIntervalMs: options.pollIntervalMs,
      leaseMs: options.leaseMs,
      logger,
    });
    // Package version + executor output version: either changing invalidates earlier build keys.
    const engineVersion = `${readEngineVersion()}+${ENGINE_VERSION}`;
    const events = new BuildEventBus(logger);
    // With Redis, WebSocket/SSE subscribers on this process also see builds running in other processes.
    if (config.REDIS_URL !== undefined) {
      eventBridge = await attachRedisEventBridge(events, {
        redisUrl: config.REDIS_URL,
        prefix: options.queuePrefix,
        logger,
      });
    }
    const metrics = options.metrics ?? new LbeMetrics();
    attachBuildMetrics(events, metrics);
    const webhooks = createWebhookNotifications({
      webhooks: store.webhooks,
      allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
      logger,
      ...options.webhooks,
    });
    events.subscribeAll((event) => {
      webhooks.notifier.onBuildEvent(event);
    });
    // Never throws: with no LLM configured, generate/chat/prompt builds answer LBE_AI_NOT_CONFIGURED.
    const ai = createAiServices({
      config,
      conversations: store.conversations,
      client: options.llmClient,
      logger,
    });
    const aiRoutes = createAiRoutesPlugin({
      generate: (prompt, context) => ai.generate(prompt, { signal: context.signal }),
      chat: ai,
    });
    const policy = new BuildPolicy(store, Date.now, logger);
    const keys = new KeyService(store);
    const buildService = new BuildService({
      policy,
      store,
      queue,
      events,
      planner: options.planner,
      engineVersion,
      generateSpec:
        options.generateSpec ??
        (async (prompt, _principal, signal) => (await ai.generate(prompt, { signal })).spec),
      logger,
    });
    const retention = new ArtifactRetention({
      store,
      artifactsDir: config.artifactsDir,
      retentionHours: config.ARTIFACT_RETENTION_HOURS,
      logger,
    });
    let authenticator = options.authenticator;
    if (authenticator === undefined) {
      const stored = new StoredKeyAuthenticator({
        store,
        defaultTenantId: defaultOrg.id,
        envKeys: config.API_KEYS,
        adminKey: config.ADMIN_API_KEY,
        // Embedded single-user mode: no key configured at all, and never in production.
        allowAnonymous:
          config.NODE_ENV !== 'production' &&
          config.API_KEYS.length === 0 &&
          config.ADMIN_API_KEY === undefined,
        logger,
      });
      keys.onSecretRetired((keyHash) => {
        stored.invalidate(keyHash);
      });
      authenticator = stored;
    }
    const healthChecks: HealthCheck[] = [builderToolsCheck(process.env.PATH ?? '')];
    if (config.OLLAMA_URL !== undefined) healthChecks.push(ollamaCheck(config.OLLAMA_URL));
    webhooks.start();
    const openedQueue = queue;
    const openedEventBridge = eventBridge;
    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      store,
      queue: openedQueue,
      events,
      metrics,
      buildService,
      retention,
      keys,
      webhooks,
      engineVersion,
      defaultTenantId: defaultOrg.id,
      createApp: () =>
        buildApp({
          config,
          store,
          queue: openedQueue,
          buildService,
          events,
          logger,
          metrics,
          authenticator,
          keys,
          ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
          retention,
          engineVersion,
          healthChecks,
          extraRoutes: [
            aiRoutes,
            createWebhooksRoutesPlugin({ service: webhooks.service }),
            ...(options.extraRoutes ?? []),
          ],
        }),
      startWorker(executor, workerOptions = {}) {
        const worker = new BuildWorker({
          queue: openedQueue,
          store,
          concurrency: config.BUILD_CONCURRENCY,
          shutdownGraceMs: workerOptions.graceMs,
          heartbeatIntervalMs: workerOptions.heartbeatIntervalMs,
          logger,
          runBuild: createRunBuild({
            store,
            events,
            artifactsDir: config.artifactsDir,
            executor,
            metrics,
            logger,
          }),
          onEvent: bridgeWorkerEvents({ store, events, metrics, logger }),
          waitBeforeStart: (build) => policy.waitBeforeStart(build),
        });
        const reconciler = new Reconciler({
          store,
          queue: openedQueue,
          logger,
          intervalMs: workerOptions.reconcileIntervalMs,
          staleAfterMs: workerOptions.staleAfterMs,
        });
        worker.start();
        reconciler.start();
        retention.start();
        let stopping: Promise<void> | undefined;
        return {
          worker,
          stop() {
            stopping ??= (async () => {
              await reconciler.close();
              await worker.close();
            })();
            return stopping;
          },
        };
      },
      close() {
        closing ??= (async () => {
          const errors: unknown[] = [];
          await retention.stop().catch((e: unknown) => errors.push(e));
          await webhooks.stop().catch((e: unknown) => errors.push(e));
          await openedEventBridge?.close().catch((e: unknown) => errors.push(e));
          await openedQueue.close().catch((e: unknown) => errors.push(e));
          await store.close().catch((e: unknown) => errors.push(e));
          if (errors.length > 0) throw new AggregateError(errors, 'runtime close failed');
        })();
        return closing;
      },
    };
  } catch (err) {
    await eventBridge?.close().catch(() => undefined);
    await queue?.close().catch(() => undefined);
    await store.close();
    throw err;
  }
}
