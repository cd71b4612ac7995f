import { createId } from '@paralleldrive/cuid2';
import type { Kysely, Selectable } from 'kysely';
import type {
  Database,
  WebhookDeliveriesTable,
  WebhookDeliveryAttemptsTable,
  WebhooksTable,
} from './database.schema.js';
import { decodeJson, encodeJson } from './json.codec.js';
import type { Clock } from './store.clock.js';

export const WEBHOOK_FORMATS = ['json', 'slack', 'discord'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface Webhook {
  readonly id: string;
  readonly organizationId: string;
  readonly url: string;
  /** HMAC secret; the API must never echo it after creation. */
  readonly secret: string;
  readonly events: readonly string[];
  readonly isActive: boolean;
  readonly failureCount: number;
  readonly createdAt: number;
  readonly format: WebhookFormat;
  /** Set when the webhook was switched off after too many consecutive failed attempts. */
  readonly disabledAt: number | null;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookDelivery {
  readonly id: string;
  readonly webhookId: string;
  readonly event: string;
  /** The exact JSON body that is (re)sent and signed. */
  readonly payload: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly responseStatus: number | null;
  readonly nextAttemptAt: number | null;
  readonly createdAt: number;
  readonly lastError: string | null;
}

/** One HTTP attempt of a delivery. */
export interface WebhookDeliveryAttempt {
  readonly id: string;
  readonly deliveryId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly attemptedAt: number;
  readonly durationMs: number;
  readonly responseStatus: number | null;
  readonly error: string | null;
}

/** A delivery claimed for sending, with what the sender needs of its webhook. */
export interface ClaimedDelivery {
  readonly delivery: WebhookDelivery;
  readonly webhook: Pick<Webhook, 'id' | 'organizationId' | 'url' | 'secret' | 'format'>;
}

function toWebhook(row: Selectable<WebhooksTable>): Webhook {
  return {
    id: row.id,
    organizationId: row.organizationId,
    url: row.url,
    secret: row.secret,
    events: decodeJson<string[]>(row.events, []),
    isActive: row.isActive === 1,
    failureCount: row.failureCount,
    createdAt: row.createdAt,
    format: row.format as WebhookFormat,
    disabledAt: row.disabledAt,
  };
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhookId,
    event: row.event,
    payload: row.payload,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    responseStatus: row.responseStatus,
    nextAttemptAt: row.nextAttemptAt,
    createdAt: row.createdAt,
    lastError: row.lastError,
  };
}

function toAttempt(row: Selectable<WebhookDeliveryAttemptsTable>): WebhookDeliveryAttempt {
  return { ...row };
}

/**
 * Webhooks and their delivery attempts. Webhook CRUD is tenant-scoped. Delivery bookkeeping
 * (`enqueueDelivery`, `listDueDeliveries`, `recordDeliveryAttempt`) is used by the notifier and works by id.
 */
export class WebhooksRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async create(
    organizationId: string,
    input: { url: string; secret: string; events: readonly string[]; format?: WebhookFormat },
  ): Promise<Webhook> {
    const row = await this.db
      .insertInto('webhooks')
      .values({
        id: createId(),
        organizationId,
        url: input.url,
        secret: input.secret,
        events: encodeJson(input.events),
        isActive: 1,
        failureCount: 0,
        createdAt: this.clock(),
        format: input.format ?? 'json',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWebhook(row);
  }

  async get(organizationId: string, id: string): Promise<Webhook | undefined> {
    const row = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toWebhook(row);
  }

  async list(organizationId: string): Promise<readonly Webhook[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('organizationId', '=', organizationId)
      .orderBy('createdAt')
      .orderBy('id')
      .execute();
    return rows.map(toWebhook);
  }

  /** Active webhooks of the tenant subscribed to `event` (or to `*`). */
  async listActiveForEvent(organizationId: string, event: string): Promise<readonly Webhook[]> {
    const all = await this.list(organizationId);
    return all.filter((w) => w.isActive && (w.events.includes(event) || w.events.includes('*')));
  }

  async update(
    organizationId: string,
    id: string,
    patch: {
      url?: string;
      events?: readonly string[];
      isActive?: boolean;
      secret?: string;
      format?: WebhookFormat;
    },
  ): Promise<Webhook | undefined> {
    const row = await this.db
      .updateTable('webhooks')
      .set({
        ...(patch.url === undefined ? {} : { url: patch.url }),
        ...(patch.secret === undefined ? {} : { secret: patch.secret }),
        ...(patch.format === undefined ? {} : { format: patch.format }),
        ...(patch.events === undefined ? {} : { events: encodeJson(patch.events) }),
        ...(patch.isActive === undefined
          ? {}
          : patch.isActive
            ? { isActive: 1, failureCount: 0, disabledAt: null }
            : { isActive: 0 }),
      })
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toWebhook(row);
  }

  async delete(organizationId: string, id: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('webhooks')
      .where('organizationId', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  /**
   * Queues one delivery. `createdAt` is kept strictly increasing per webhook (the dispatcher sends a
   * webhook's deliveries in that order), even for two events within the same millisecond.
   */
  async enqueueDelivery(webhookId: string, event: string, payload: string): Promise<WebhookDelivery> {
    const latest = await this.db
      .selectFrom('webhookDeliveries')
      .select((eb) => eb.fn.max('createdAt').as('latest'))
      .where('webhookId', '=', webhookId)
      .executeTakeFirst();
    // max() of no rows is NULL, whatever the column's type says.
    const previous = (latest?.latest as number | null | undefined) ?? 0;
    const now = Math.max(this.clock(), previous + 1);
    const row = await this.db
      .insertInto('webhookDeliveries')
      .values({
        id: createId(),
        webhookId,
        event,
        payload,
        status: 'pending',
        attempts: 0,
        responseStatus: null,
        nextAttemptAt: now,
        createdAt: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDelivery(row);
  }

  /** Pending deliveries whose `nextAttemptAt` has come, oldest first. */
  async listDueDeliveries(limit = 100): Promise<readonly WebhookDelivery[]> {
    const rows = await this.db
      .selectFrom('webhookDeliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('nextAttemptAt', '<=', this.clock())
      .orderBy('nextAttemptAt')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }

  /**
   * Claims up to `limit` due deliveries for `leaseMs`: pending, `nextAttemptAt` reached, not claimed by
   * someone else, of an active webhook, and the oldest pending delivery of their webhook (so a webhook's
   * events are sent in order, one at a time). A claim is taken with a conditional update, so two
   * dispatchers (processes) never both get the same delivery. Cross-tenant: for the dispatcher only.
   */
  async claimDueDeliveries(limit: number, leaseMs: number): Promise<readonly ClaimedDelivery[]> {
    const now = this.clock();
    const rows = await this.db
      .selectFrom('webhookDeliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhookId')
      .selectAll('d')
      .select([
        'w.organizationId as webhookOrganizationId',
        'w.url as webhookUrl',
        'w.secret as webhookSecret',
        'w.format as webhookFormat',
      ])
      .where('d.status', '=', 'pending')
      .where('d.nextAttemptAt', '<=', now)
      .where((eb) => eb.or([eb('d.lockedUntil', 'is', null), eb('d.lockedUntil', '<=', now)]))
      .where('w.isActive', '=', 1)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('webhookDeliveries as older')
              .select('older.id')
              .whereRef('older.webhookId', '=', 'd.webhookId')
              .where('older.status', '=', 'pending')
              .whereRef('older.createdAt', '<', 'd.createdAt'),
          ),
        ),
      )
      .orderBy('d.nextAttemptAt')
      .limit(limit)
      .execute();
    const claimed: ClaimedDelivery[] = [];
    for (const row of rows) {
      const res = await this.db
        .updateTable('webhookDeliveries')
        .set({ lockedUntil: now + leaseMs })
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('lockedUntil', 'is', null), eb('lockedUntil', '<=', now)]))
        .executeTakeFirst();
      if (res.numUpdatedRows === 0n) continue;
      claimed.push({
        delivery: toDelivery(row),
        webhook: {
          id: row.webhookId,
          organizationId: row.webhookOrganizationId,
          url: row.webhookUrl,
          secret: row.webhookSecret,
          format: row.webhookFormat as WebhookFormat,
        },
      });
    }
    return claimed;
  }

  /**
   * Records one attempt and releases the claim: `delivered` resets the webhook's consecutive failure
   * count, `failed`/`pending` (retry at `nextAttemptAt`) increments it. With `disableAfterFailures`, the
   * webhook is switched off (and its other pending deliveries failed) once the count reaches it.
   * `attempt` (durationMs, error) adds a row to the delivery log.
   */
  async recordDeliveryAttempt(
    deliveryId: string,
    result: {
      status: DeliveryStatus;
      responseStatus: number | null;
      nextAttemptAt: number | null;
      error?: string | null;
      durationMs?: number;
      disableAfterFailures?: number;
    },
  ): Promise<{ failureCount: number; disabled: boolean } | undefined> {
    const now = this.clock();
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('webhookDeliveries')
        .set((eb) => ({
          status: result.status,
          responseStatus: result.responseStatus,
          nextAttemptAt: result.nextAttemptAt,
          lastError: result.error ?? null,
          lockedUntil: null,
          attempts: eb('attempts', '+', 1),
        }))
        .where('id', '=', deliveryId)
        .returning(['webhookId', 'attempts'])
        .executeTakeFirst();
      if (row === undefined) return undefined;
      await trx
        .insertInto('webhookDeliveryAttempts')
        .values({
          id: createId(),
          deliveryId,
          attempt: row.attempts,
          attemptedAt: now,
          durationMs: Math.max(0, Math.round(result.durationMs ?? 0)),
          responseStatus: result.responseStatus,
          error: result.error ?? null,
        })
        .execute();
      const hook = await trx
        .updateTable('webhooks')
        .set((eb) => ({
          failureCount: result.status === 'delivered' ? 0 : eb('failureCount', '+', 1),
        }))
        .where('id', '=', row.webhookId)
        .returning(['failureCount', 'isActive'])
        .executeTakeFirst();
      if (hook === undefined) return undefined;
      const limit = result.disableAfterFailures;
      if (limit === undefined || hook.isActive !== 1 || hook.failureCount < limit) {
        return { failureCount: hook.failureCount, disabled: hook.isActive !== 1 };
      }
      await trx
        .updateTable('webhooks')
        .set({ isActive: 0, disabledAt: now })
        .where('id', '=', row.webhookId)
        .execute();
      await trx
        .updateTable('webhookDeliveries')
        .set({
          status: 'failed',
          nextAttemptAt: null,
          lockedUntil: null,
          lastError: `webhook disabled after ${hook.failureCount} consecutive failed attempts`,
        })
        .where('webhookId', '=', row.webhookId)
        .where('status', '=', 'pending')
        .execute();
      return { failureCount: hook.failureCount, disabled: true };
    });
  }

  /** One delivery of one of the tenant's webhooks; undefined for another tenant's or an unknown id. */
  async getDelivery(
    organizationId: string,
    webhookId: string,
    deliveryId: string,
  ): Promise<WebhookDelivery | undefined> {
    const row = await this.db
      .selectFrom('webhookDeliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhookId')
      .selectAll('d')
      .where('w.organizationId', '=', organizationId)
      .where('d.webhookId', '=', webhookId)
      .where('d.id', '=', deliveryId)
      .executeTakeFirst();
    return row === undefined ? undefined : toDelivery(row);
  }

  /** The delivery log of some of a webhook's deliveries, oldest attempt first; undefined for another tenant. */
  async listAttempts(
    organizationId: string,
    webhookId: string,
    deliveryIds: readonly string[],
  ): Promise<readonly WebhookDeliveryAttempt[] | undefined> {
    if ((await this.get(organizationId, webhookId)) === undefined) return undefined;
    if (deliveryIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('webhookDeliveryAttempts as a')
      .innerJoin('webhookDeliveries as d', 'd.id', 'a.deliveryId')
      .selectAll('a')
      .where('d.webhookId', '=', webhookId)
      .where('a.deliveryId', 'in', [...deliveryIds])
      .orderBy('a.attemptedAt')
      .orderBy('a.attempt')
      .execute();
    return rows.map(toAttempt);
  }

  async listDeliveries(
    organizationId: string,
    webhookId: string,
    limit = 50,
  ): Promise<readonly WebhookDelivery[] | undefined> {
    if ((await this.get(organizationId, webhookId)) === undefined) return undefined;
    const rows = await this.db
      .selectFrom('webhookDeliveries')
      .selectAll()
      .where('webhookId', '=', webhookId)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }
}
