import { LbeError } from '../errors/index.js';
import type {
  Webhook,
  WebhookDelivery,
  WebhookDeliveryAttempt,
  WebhookFormat,
  WebhooksRepository,
} from '../store/index.js';
import { generateWebhookSecret } from './webhook-signature.js';
import { renderWebhookBody, testPayload, TEST_EVENT, type WebhookEventName } from './webhook-events.js';
import { vetWebhookUrl, type HostLookup } from './url-guard.js';

export interface NewWebhook {
  readonly url: string;
  readonly events: readonly WebhookEventName[];
  readonly format: WebhookFormat;
}

export interface DeliveryWithAttempts extends WebhookDelivery {
  readonly attemptLog: readonly WebhookDeliveryAttempt[];
}

/**
 * Webhook management for the API, always within one organization (`tenantId`); another organization's
 * webhook answers LBE_WEBHOOK_NOT_FOUND. URLs pass the SSRF check at registration (and again at every
 * delivery). The secret is generated here and returned by `create` only.
 */
export class WebhookService {
  constructor(
    private readonly deps: {
      readonly webhooks: WebhooksRepository;
      readonly lookup: HostLookup;
      readonly allowedHosts: readonly string[];
      /** Wakes the dispatcher after a test delivery was queued. */
      readonly onEnqueued: () => void;
      /** How long `sendTest` waits for the first attempt (default 15 s). */
      readonly testWaitMs?: number;
    },
  ) {}

  /** Throws LBE_WEBHOOK_URL_FORBIDDEN / LBE_WEBHOOK_URL_UNRESOLVABLE for a URL webhooks may not reach. */
  async create(tenantId: string, input: NewWebhook): Promise<Webhook> {
    const vetted = await vetWebhookUrl(input.url, {
      lookup: this.deps.lookup,
      allowedHosts: this.deps.allowedHosts,
    });
    return this.deps.webhooks.create(tenantId, {
      url: vetted.url.href,
      secret: generateWebhookSecret(),
      events: [...new Set(input.events)],
      format: input.format,
    });
  }

  list(tenantId: string): Promise<readonly Webhook[]> {
    return this.deps.webhooks.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<Webhook> {
    const hook = await this.deps.webhooks.get(tenantId, id);
    if (hook === undefined) throw new LbeError('LBE_WEBHOOK_NOT_FOUND');
    return hook;
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.deps.webhooks.delete(tenantId, id))) throw new LbeError('LBE_WEBHOOK_NOT_FOUND');
  }

  /**
   * Changes URL (re-vetted), events, format or `isActive` (re-enabling resets the failure count).
   * The secret never changes here.
   */
  async update(
    tenantId: string,
    id: string,
    patch: { url?: string; events?: readonly WebhookEventName[]; format?: WebhookFormat; isActive?: boolean },
  ): Promise<Webhook> {
    const url =
      patch.url === undefined
        ? undefined
        : (await vetWebhookUrl(patch.url, { lookup: this.deps.lookup, allowedHosts: this.deps.allowedHosts }))
            .url.href;
    const updated = await this.deps.webhooks.update(tenantId, id, {
      ...(url === undefined ? {} : { url }),
      ...(patch.events === undefined ? {} : { events: [...new Set(patch.events)] }),
      ...(patch.format === undefined ? {} : { format: patch.format }),
      ...(patch.isActive === undefined ? {} : { isActive: patch.isActive }),
    });
    if (updated === undefined) throw new LbeError('LBE_WEBHOOK_NOT_FOUND');
    return updated;
  }

  /** The newest deliveries (at most `limit`), each with its attempts oldest first. */
  async listDeliveries(
    tenantId: string,
    id: string,
    limit: number,
  ): Promise<readonly DeliveryWithAttempts[]> {
    const deliveries = await this.deps.webhooks.listDeliveries(tenantId, id, limit);
    if (deliveries === undefined) throw new LbeError('LBE_WEBHOOK_NOT_FOUND');
    const attempts =
      (await this.deps.webhooks.listAttempts(
        tenantId,
        id,
        deliveries.map((d) => d.id),
      )) ?? [];
    return deliveries.map((d) => ({ ...d, attemptLog: attempts.filter((a) => a.deliveryId === d.id) }));
  }

  /**
   * Queues a `webhook.test` delivery (through the same dispatcher, SSRF check and signing as real events)
   * and waits up to `testWaitMs` for its first attempt. Returns the delivery as it stands then: still
   * `pending` with no attempt when older deliveries of the webhook are ahead of it.
   */
  async sendTest(tenantId: string, id: string): Promise<WebhookDelivery> {
    const hook = await this.get(tenantId, id);
    if (!hook.isActive) throw new LbeError('LBE_WEBHOOK_DISABLED');
    const body = renderWebhookBody(hook.format, testPayload(tenantId, hook.id));
    const queued = await this.deps.webhooks.enqueueDelivery(hook.id, TEST_EVENT, body);
    this.deps.onEnqueued();
    const deadline = Date.now() + (this.deps.testWaitMs ?? 15_000);
    let current: WebhookDelivery = queued;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      current = (await this.deps.webhooks.getDelivery(tenantId, hook.id, queued.id)) ?? current;
      if (current.attempts > 0) break;
    }
    return current;
  }
}
