import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus metrics of one process, on their own registry (so several apps can live in one test
 * process). Owned by the composition root; the API exposes `registry` at `/metrics`.
 */
export class LbeMetrics {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'lbe_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly buildsTotal = new Counter({
    name: 'lbe_builds_total',
    help: 'Builds that reached a status (submitted = QUEUED, then SUCCESS / FAILED / CANCELLED)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly buildDuration = new Histogram({
    name: 'lbe_build_duration_seconds',
    help: 'Wall-clock duration of finished builds by final status',
    labelNames: ['status'] as const,
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'lbe_queue_depth',
    help: 'Build messages waiting or delayed in the queue',
    registers: [this.registry],
  });

  readonly activeBuilds = new Gauge({
    name: 'lbe_active_builds',
    help: 'Builds running in this process',
    registers: [this.registry],
  });

  constructor(options: { collectDefaults?: boolean } = {}) {
    if (options.collectDefaults ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'lbe_' });
  }
}
