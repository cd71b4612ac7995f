import type { Logger } from 'pino';
import type { WebhooksRepository } from '../store/index.js';
import { buildPayload, renderWebhookBody, webhookEventOf, type BuildEventNotice } from './webhook-events.js';

/**
 * Turns build events into queued deliveries: for each lifecycle event (started, completed, failed,
 * cancelled) one delivery row per active webhook of the build's organization subscribed to it, with the
 * body rendered for the webhook's format; then wakes the dispatcher. Never blocks the build: `onBuildEvent`
 * returns at once and enqueues in the background, one event after the other (so a webhook's deliveries
 * are queued in the order the events happened). Contract: events published before a crash but not yet
 * enqueued are lost (the bus is in-memory); once a row is written it is delivered or failed.
 */
export class WebhookNotifier {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      readonly webhooks: WebhooksRepository;
      readonly logger: Logger;
      /** Called after rows were written (the dispatcher's `kick`). */
      readonly onEnqueued: () => void;
      readonly clock?: () => number;
    },
  ) {}

  /** Bus listener: synchronous, never throws. */
  onBuildEvent(notice: BuildEventNotice): void {
    const event = webhookEventOf(notice);
    if (event === undefined) return;
    const payload = buildPayload(event, notice, (this.deps.clock ?? Date.now)());
    this.tail = this.tail.then(async () => {
      try {
        const hooks = await this.deps.webhooks.listActiveForEvent(notice.tenantId, event);
        for (const hook of hooks) {
          await this.deps.webhooks.enqueueDelivery(hook.id, event, renderWebhookBody(hook.format, payload));
        }
        if (hooks.length > 0) this.deps.onEnqueued();
      } catch (err) {
        this.deps.logger.error(
          { err, buildId: notice.buildId, tenantId: notice.tenantId, event },
          'webhook deliveries could not be queued',
        );
      }
    });
  }

  /** Resolves once every event received so far is enqueued (shutdown, tests). */
  idle(): Promise<void> {
    return this.tail;
  }
}
