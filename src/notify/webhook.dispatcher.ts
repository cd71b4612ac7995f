import type { Logger } from 'pino';
import { isLbeError } from '../errors/index.js';
import type { ClaimedDelivery, DeliveryStatus, WebhooksRepository } from '../store/index.js';
import { signWebhookBody } from './webhook-signature.js';
import { sendWebhookRequest, type SendResult } from './webhook-http.sender.js';
import { vetWebhookUrl, type HostLookup } from './url-guard.js';

export interface DeliveryPolicy {
  /** Attempts per delivery, the first included (default 10: about 43 minutes of retries). */
  readonly maxAttempts: number;
  /** Delay before the second attempt; doubles each time (default 5 s). */
  readonly retryBaseMs: number;
  /** Longest delay between two attempts (default 1 h). */
  readonly retryMaxMs: number;
  /** Consecutive failed attempts (across deliveries) after which the webhook is disabled (default 30). */
  readonly disableAfterFailures: number;
  /** Timeout of one HTTP exchange (default 10 s). */
  readonly timeoutMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  maxAttempts: 10,
  retryBaseMs: 5_000,
  retryMaxMs: 60 * 60_000,
  disableAfterFailures: 30,
  timeoutMs: 10_000,
};

/**
 * Delay before attempt `attempt + 1` after `attempt` failed attempts: `base · 2^(attempt-1)`, capped at
 * `max`, with ±20 % jitter from `random` so many webhooks failing together do not retry in lock-step.
 */
export function retryDelayMs(
  attempt: number,
  base: number,
  max: number,
  random: () => number = Math.random,
): number {
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

export interface WebhookDispatcherOptions {
  readonly webhooks: WebhooksRepository;
  readonly lookup: HostLookup;
  readonly allowedHosts: readonly string[];
  readonly logger: Logger;
  readonly policy?: Partial<DeliveryPolicy>;
  /** Store poll period when idle (default 1000 ms); `kick()` polls at once. */
  readonly pollIntervalMs?: number;
  /** How long a claim lasts before another dispatcher may take the delivery over (default 2 min). */
  readonly leaseMs?: number;
  /** Deliveries sent in parallel (default 4; one at a time per webhook). */
  readonly concurrency?: number;
  readonly clock?: () => number;
}

/** What one attempt ended as (also returned to the test route). */
export interface AttemptOutcome {
  readonly status: DeliveryStatus;
  readonly responseStatus: number | null;
  readonly error: string | null;
  readonly webhookDisabled: boolean;
}

/**
 * The background sender. Deliveries are rows in the store (enqueued by the notifier), so they survive a
 * restart and any process running a dispatcher may send them; a claim lease keeps two dispatchers from
 * sending the same one. Per attempt: re-vet the URL (DNS now, connect to the vetted address), sign
 * `${timestamp}.${body}`, POST, and record the attempt; 2xx is delivered, anything else (3xx included:
 * redirects are never followed) is retried with exponential backoff until `maxAttempts`. A URL that the
 * SSRF check now refuses fails the delivery at once.
 * `start()` begins polling; `stop()` (idempotent) ends it and waits for attempts in flight.
 */
export class WebhookDispatcher {
  private readonly policy: DeliveryPolicy;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...options.policy };
    this.clock = options.clock ?? Date.now;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.kick();
  }

  /** Polls now (after an enqueue) instead of at the next tick. */
  kick(): void {
    if (!this.running) return;
    if (this.polling !== undefined) {
      this.pollAgain = true;
      return;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.polling = this.pollLoop().finally(() => {
      this.polling = undefined;
      this.schedule();
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.options.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  private async pollLoop(): Promise<void> {
    const concurrency = this.options.concurrency ?? 4;
    do {
      this.pollAgain = false;
      const free = concurrency - this.inFlight.size;
      if (free <= 0) {
        await Promise.race(this.inFlight);
        this.pollAgain = true;
        continue;
      }
      let claimed: readonly ClaimedDelivery[];
      try {
        claimed = await this.options.webhooks.claimDueDeliveries(free, this.options.leaseMs ?? 120_000);
      } catch (err) {
        this.options.logger.error({ err }, 'webhook dispatcher could not read due deliveries');
        return;
      }
      for (const c of claimed) {
        const p = this.attempt(c)
          .then(() => undefined)
          .catch((err: unknown) => {
            this.options.logger.error(
              { err, deliveryId: c.delivery.id },
              'webhook attempt could not be recorded',
            );
          })
          .finally(() => {
            this.inFlight.delete(p);
            // The webhook's next delivery may be due now that this one is settled.
            this.kick();
          });
        this.inFlight.add(p);
      }
      if (claimed.length === free) this.pollAgain = true;
    } while (this.pollAgain && this.running);
  }

  /** One attempt of a claimed delivery, recorded in the store. */
  async attempt({ delivery, webhook }: ClaimedDelivery): Promise<AttemptOutcome> {
    const log = this.options.logger.child({
      webhookId: webhook.id,
      deliveryId: delivery.id,
      tenantId: webhook.organizationId,
      event: delivery.event,
    });
    const attemptNo = delivery.attempts + 1;
    let result: SendResult;
    let refused: string | undefined;
    try {
      const vetted = await vetWebhookUrl(webhook.url, {
        lookup: this.options.lookup,
        allowedHosts: this.options.allowedHosts,
      });
      const timestamp = Math.floor(this.clock() / 1000);
      result = await sendWebhookRequest(
        vetted,
        delivery.payload,
        {
          'x-webhook-id': delivery.id,
          'x-webhook-event': delivery.event,
          'x-webhook-timestamp': String(timestamp),
          'x-webhook-signature': signWebhookBody(webhook.secret, timestamp, delivery.payload),
        },
        this.policy.timeoutMs,
      );
    } catch (err) {
      if (!isLbeError(err)) throw err;
      refused = `${err.code}: ${err.message}`;
      result = { responseStatus: null, durationMs: 0, error: refused, location: null };
    }
    const ok = result.responseStatus !== null && result.responseStatus >= 200 && result.responseStatus < 300;
    const error = ok
      ? null
      : (result.error ??
        (result.location === null
          ? `HTTP ${result.responseStatus ?? '?'}`
          : `HTTP ${result.responseStatus ?? '?'}: redirect to ${result.location} not followed`));
    const retry = !ok && refused === undefined && attemptNo < this.policy.maxAttempts;
    const status: DeliveryStatus = ok ? 'delivered' : retry ? 'pending' : 'failed';
    const recorded = await this.options.webhooks.recordDeliveryAttempt(delivery.id, {
      status,
      responseStatus: result.responseStatus,
      nextAttemptAt: retry
        ? this.clock() + retryDelayMs(attemptNo, this.policy.retryBaseMs, this.policy.retryMaxMs)
        : null,
      error,
      durationMs: result.durationMs,
      disableAfterFailures: this.policy.disableAfterFailures,
    });
    const webhookDisabled = recorded?.disabled ?? false;
    if (ok) log.debug({ responseStatus: result.responseStatus, attempt: attemptNo }, 'webhook delivered');
    else {
      log.warn(
        { responseStatus: result.responseStatus, attempt: attemptNo, error, status, webhookDisabled },
        status === 'pending' ? 'webhook attempt failed; will retry' : 'webhook delivery failed',
      );
    }
    return { status, responseStatus: result.responseStatus, error, webhookDisabled };
  }
}
