import type { LbeMetrics } from '../observability/index.js';
import type { BuildEventBus } from './build-events.js';

/**
 * Feeds build events into the Prometheus metrics: `lbe_builds_total{status}` on QUEUED and every terminal
 * status. Durations and the active gauge are recorded by the worker adapter, which knows the start time.
 * Returns the unsubscribe function.
 */
export function attachBuildMetrics(events: BuildEventBus, metrics: LbeMetrics): () => void {
  return events.subscribeAll((event) => {
    if (event.type === 'BUILD_STATUS' && event.status === 'QUEUED')
      metrics.buildsTotal.inc({ status: 'QUEUED' });
    if (event.type === 'BUILD_COMPLETE') metrics.buildsTotal.inc({ status: event.status });
  });
}
