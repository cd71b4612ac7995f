import type { Logger } from 'pino';
import type { WebhooksRepository } from '../store/index.js';
import { systemHostLookup, type HostLookup } from './url-guard.js';
import { WebhookDispatcher, type DeliveryPolicy } from './webhook.dispatcher.js';
import { WebhookNotifier } from './webhook.notifier.js';
import { WebhookService } from './webhook.service.js';

export { classifyAddress, isPublicAddress, type AddressClass } from './address-classifier.js';
export {
  isAllowlistedHost,
  systemHostLookup,
  vetWebhookUrl,
  type HostLookup,
  type ResolvedAddress,
  type VettedUrl,
} from './url-guard.js';
export {
  SIGNATURE_PREFIX,
  generateWebhookSecret,
  signWebhookBody,
  verifyWebhookSignature,
  type SignatureCheck,
} from './webhook-signature.js';
export {
  TEST_EVENT,
  WEBHOOK_EVENTS,
  buildPayload,
  renderWebhookBody,
  webhookEventOf,
  type BuildEventNotice,
  type WebhookEventName,
  type WebhookPayload,
} from './webhook-events.js';
export {
  DEFAULT_DELIVERY_POLICY,
  WebhookDispatcher,
  retryDelayMs,
  type DeliveryPolicy,
} from './webhook.dispatcher.js';
export { WebhookNotifier } from './webhook.notifier.js';
export { WebhookService, type DeliveryWithAttempts, type NewWebhook } from './webhook.service.js';

/** The webhook parts of one process, wired together. */
export interface WebhookNotifications {
  readonly service: WebhookService;
  readonly notifier: WebhookNotifier;
  readonly dispatcher: WebhookDispatcher;
  /** Starts the background dispatcher. */
  start(): void;
  /** Waits for queued events to be written, then stops the dispatcher (in-flight attempts finish). */
  stop(): Promise<void>;
}

export function createWebhookNotifications(options: {
  readonly webhooks: WebhooksRepository;
  /** `WEBHOOK_ALLOWED_HOSTS`. */
  readonly allowedHosts: readonly string[];
  readonly logger: Logger;
  /** Default: the system resolver, every address. */
  readonly lookup?: HostLookup;
  readonly policy?: Partial<DeliveryPolicy>;
  readonly pollIntervalMs?: number;
  readonly testWaitMs?: number;
}): WebhookNotifications {
  const lookup = options.lookup ?? systemHostLookup;
  const logger = options.logger.child({ component: 'webhooks' });
  const dispatcher = new WebhookDispatcher({
    webhooks: options.webhooks,
    lookup,
    allowedHosts: options.allowedHosts,
    logger,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  const onEnqueued = () => {
    dispatcher.kick();
  };
  const notifier = new WebhookNotifier({ webhooks: options.webhooks, logger, onEnqueued });
  const service = new WebhookService({
    webhooks: options.webhooks,
    lookup,
    allowedHosts: options.allowedHosts,
    onEnqueued,
    ...(options.testWaitMs === undefined ? {} : { testWaitMs: options.testWaitMs }),
  });
  let stopping: Promise<void> | undefined;
  return {
    service,
    notifier,
    dispatcher,
    start: () => {
      dispatcher.start();
    },
    stop() {
      stopping ??= (async () => {
        await notifier.idle();
        await dispatcher.stop();
      })();
      return stopping;
    },
  };
}
