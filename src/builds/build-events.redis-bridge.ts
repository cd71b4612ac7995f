import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { buildEventSchema, type BuildEventBus } from './build-events.js';

export interface RedisEventBridgeOptions {
  /** `redis://…` or `rediss://…`. */
  readonly redisUrl: string;
  /** Events travel on the channel `<prefix>:build-events` (default `lbe`); give each test run its own. */
  readonly prefix?: string | undefined;
  readonly logger?: Logger | undefined;
}

export interface RedisEventBridge {
  /** The Redis channel this bridge publishes to and listens on. */
  readonly channel: string;
  /** Detaches from the bus and quits both Redis connections. Idempotent; never rejects. */
  close(): Promise<void>;
}

/**
 * One relayed event. `origin` names the bridge that published it (one per process); `v` lets a later
 * format be told apart and ignored rather than misread.
 */
const relayedEventSchema = z.object({
  v: z.literal(1),
  origin: z.string().min(1),
  event: buildEventSchema,
});
type RelayedEvent = z.infer<typeof relayedEventSchema>;

/**
 * Relays build events between processes over Redis pub/sub (PUBLISH / SUBSCRIBE on one channel):
 * - every event published on `bus` in this process is PUBLISHed once, as JSON `{v, origin, event}`;
 * - every message from another origin is handed to `bus.deliverRemote`, i.e. to this process's per-build
 *   subscribers (WebSocket, SSE) only — never to `subscribeAll` listeners, so metrics and webhooks count
 *   each event once, in the process that published it; the bridge's own messages are ignored when they
 *   come back.
 * Delivery is at most once: pub/sub keeps nothing, so events published while Redis is unreachable, or
 * while this process's subscription is reconnecting, are lost to other processes. The store stays the truth
 * (logs, status, step); a client that reconnects catches up from it.
 * `bus.publish` never waits on Redis: an event is dropped while the publishing connection is not ready
 * (one warning per outage, not one per event). Malformed messages are logged and ignored; Redis errors are
 * logged and the connections reconnect on their own.
 * Resolves once both connections are up and the channel is subscribed; rejects (with both connections
 * closed) when Redis cannot be reached at the first attempt.
 * Owns its two Redis connections (a connection in SUBSCRIBE mode can run no other command), named
 * `<channel>:publisher` and `<channel>:subscriber` in CLIENT LIST.
 */
export async function attachRedisEventBridge(
  bus: BuildEventBus,
  options: RedisEventBridgeOptions,
): Promise<RedisEventBridge> {
  const channel = `${options.prefix ?? 'lbe'}:build-events`;
  const origin = randomUUID();
  const log = options.logger?.child({ component: 'build-event-bridge', channel });
  // No offline queue: while disconnected, a publish fails at once instead of piling up LOG lines in memory.
  const publisher = new Redis(options.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectionName: `${channel}:publisher`,
  });
  // Re-subscribes by itself after a reconnect (ioredis `autoResubscribe`).
  const subscriber = new Redis(options.redisUrl, {
    lazyConnect: true,
    connectionName: `${channel}:subscriber`,
  });
  logConnectionErrors(publisher, 'publisher', log);
  logConnectionErrors(subscriber, 'subscriber', log);

  let closed = false;
  let relaying = true;
  const noteRelayStopped = (err?: unknown): void => {
    if (!relaying || closed) return;
    relaying = false;
    log?.warn({ err }, 'build events are not relayed to other processes until Redis is reachable again');
  };
  publisher.on('ready', () => {
    if (relaying) return;
    relaying = true;
    log?.info('build events are relayed to other processes again');
  });

  subscriber.on('message', (_channel: string, message: string) => {
    if (closed) return;
    const parsed = parseRelayedEvent(message);
    if (!parsed.ok) {
      log?.warn(
        { problem: parsed.problem, bytes: message.length },
        'ignored a message that is not a relayed build event',
      );
      return;
    }
    if (parsed.relayed.origin === origin) return;
    bus.deliverRemote(parsed.relayed.event);
  });

  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(channel);
  } catch (err) {
    publisher.disconnect();
    subscriber.disconnect();
    throw err;
  }

  const detach = bus.subscribeAll((event) => {
    if (publisher.status !== 'ready') {
      noteRelayStopped();
      return;
    }
    const relayed: RelayedEvent = { v: 1, origin, event };
    publisher.publish(channel, JSON.stringify(relayed)).catch((err: unknown) => {
      noteRelayStopped(err);
    });
  });

  let closing: Promise<void> | undefined;
  return {
    channel,
    close() {
      closing ??= (async () => {
        closed = true;
        detach();
        await Promise.all([quitConnection(subscriber), quitConnection(publisher)]);
      })();
      return closing;
    },
  };
}

/** The relayed event in `message`, or why it is not one (not JSON, or which fields are wrong). */
function parseRelayedEvent(
  message: string,
): { readonly ok: true; readonly relayed: RelayedEvent } | { readonly ok: false; readonly problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const parsed = relayedEventSchema.safeParse(json);
  return parsed.success
    ? { ok: true, relayed: parsed.data }
    : { ok: false, problem: z.prettifyError(parsed.error) };
}

/**
 * Logs a connection's first error as a warning and the retries that follow at debug level, until the
 * connection is ready again: an outage makes one warning per connection, not one per reconnect attempt.
 */
function logConnectionErrors(redis: Redis, role: 'publisher' | 'subscriber', log: Logger | undefined): void {
  let failing = false;
  redis.on('ready', () => {
    failing = false;
  });
  redis.on('error', (err: unknown) => {
    if (failing) log?.debug({ err, role }, 'build event bridge: redis error');
    else log?.warn({ err, role }, 'build event bridge: redis error; reconnecting');
    failing = true;
  });
}

/** QUIT when connected (the server acknowledges, then closes); otherwise drops the socket, ending retries. */
async function quitConnection(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await redis.quit().catch(() => {
    redis.disconnect();
  });
}
