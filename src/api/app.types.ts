import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { ArtifactRetention } from '../artifacts/index.js';
import type { KeyService } from '../auth/key.service.js';
import type { BuildEventBus } from '../builds/build-events.js';
import type { BuildService } from '../builds/build.service.js';
import type { Config } from '../config/index.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { LbeMetrics } from '../observability/index.js';
import type { Store } from '../store/index.js';
import type { KeyAuthenticator } from './plugins/auth.plugin.js';
import type { RateLimitPluginOptions } from './plugins/rate-limit.plugin.js';
import type { HealthCheck } from './routes/health/health.checks.js';

/**
 * Everything `buildApp` needs, injected by the composition root (`src/app/runtime.ts`) or a test.
 * The app owns none of them: closing the app does not close the store or the queue.
 */
export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
  readonly queue: JobQueue;
  readonly buildService: BuildService;
  readonly events: BuildEventBus;
  readonly logger: Logger;
  readonly metrics: LbeMetrics;
  readonly authenticator: KeyAuthenticator;
  /** Stored API keys (admin routes). */
  readonly keys: KeyService;
  /**
   * Overrides of the request limits (per-IP limit, default key limit, Redis namespace — which also
   * prefixes the failed-authentication counters) and of AUTH_FAILURES_PER_MINUTE.
   */
  readonly rateLimit?: Omit<RateLimitPluginOptions, 'redis'> & {
    readonly authFailuresPerMinute?: number;
  };
  /** Deletes artifact files and marks their rows (download-then-delete of ISOs uses it). */
  readonly retention: ArtifactRetention;
  readonly engineVersion: string;
  readonly clock?: () => number;
  /** Checks behind /health (database and queue are always added). */
  readonly healthChecks?: readonly HealthCheck[];
  /** Extra route plugins registered under the same auth and error handling (e.g. the AI routes). */
  readonly extraRoutes?: readonly FastifyPluginAsync[];
}
