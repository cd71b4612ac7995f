import { createId } from '@paralleldrive/cuid2';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, waitUntil } from '../jobs/testing/queue-targets.fixture.js';
import { BuildEventBus, type BuildEvent } from './build-events.js';
import { attachRedisEventBridge, type RedisEventBridge } from './build-events.redis-bridge.js';

/** A bus and its bridge, as one process (API replica or `lbe worker`) has them. */
interface Process {
  readonly bus: BuildEventBus;
  readonly bridge: RedisEventBridge;
  /** JSON log records at warn and above. */
  readonly warnings: { level: number; msg: string; problem?: string }[];
}

const redis = new Redis(TEST_REDIS_URL);
const opened: RedisEventBridge[] = [];

function capturingLogger(records: Process['warnings'], level: 'warn' | 'debug' = 'warn'): Logger {
  return pino(
    { level },
    { write: (line: string) => records.push(JSON.parse(line) as Process['warnings'][number]) },
  );
}

async function openProcess(prefix: string): Promise<Process> {
  const warnings: Process['warnings'] = [];
  const logger = capturingLogger(warnings);
  const bus = new BuildEventBus(logger);
  const bridge = await attachRedisEventBridge(bus, { redisUrl: TEST_REDIS_URL, prefix, logger });
  opened.push(bridge);
  return { bus, bridge, warnings };
}

/** Two processes on a channel of their own. */
async function openTwoProcesses(): Promise<[Process, Process]> {
  const prefix = `lbe-test-${createId()}`;
  return [await openProcess(prefix), await openProcess(prefix)];
}

/** Collects what a listener receives. */
function recorder(): { events: BuildEvent[]; listener: (event: BuildEvent) => void } {
  const events: BuildEvent[] = [];
  return { events, listener: (event) => events.push(event) };
}

async function subscriberCount(channel: string): Promise<number> {
  const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
  return count;
}

/** Ids of the connections Redis has open for this channel's bridges in one role. */
async function connectionIds(channel: string, role: 'publisher' | 'subscriber'): Promise<string[]> {
  const list = (await redis.client('LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.split(' ').includes(`name=${channel}:${role}`))
    .map((line) => /^id=(\d+) /.exec(line)?.[1])
    .filter((id) => id !== undefined);
}

/** Kills this channel's bridge connections of one role, as a network cut or a Redis restart would. */
async function killConnections(channel: string, role: 'publisher' | 'subscriber'): Promise<number> {
  const ids = await connectionIds(channel, role);
  for (const id of ids) await redis.client('KILL', 'ID', id);
  return ids.length;
}

/** Open TCP sockets of this process (an earlier test's may still be closing: compare with <=). */
const tcpSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

const log = (buildId: string, tenantId: string, line: string): BuildEvent => ({
  type: 'LOG',
  buildId,
  tenantId,
  line,
  ts: 1_732_790_000_000,
  step: null,
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((bridge) => bridge.close()));
});
afterAll(async () => {
  await redis.quit();
});

describe('attachRedisEventBridge (real Redis)', () => {
  it("hands another process's events to per-build subscribers of the right tenant only, once", async () => {
    const [a, b] = await openTwoProcesses();
    const onA = recorder();
    const allOnA = recorder();
    const onB = recorder();
    const otherTenantOnB = recorder();
    const allOnB = recorder();
    const observedOnA = recorder();
    const observedOnB = recorder();
    a.bus.observe(observedOnA.listener);
    b.bus.observe(observedOnB.listener);
    a.bus.subscribe('t1', 'b1', onA.listener);
    a.bus.subscribeAll(allOnA.listener);
    b.bus.subscribe('t1', 'b1', onB.listener);
    b.bus.subscribe('t2', 'b1', otherTenantOnB.listener);
    b.bus.subscribeAll(allOnB.listener);

    const line = log('b1', 't1', 'Setting up curl …');
    const complete: BuildEvent = {
      type: 'BUILD_COMPLETE',
      buildId: 'b1',
      tenantId: 't1',
      status: 'SUCCESS',
      artifacts: [
        {
          type: 'docker',
          fileName: 'image.tar',
          sizeBytes: 123,
          sha256: 'ab'.repeat(32),
          downloadUrl: '/api/build/download/b1/docker',
          ref: null,
          expired: false,
        },
      ],
      errorCode: null,
    };
    a.bus.publish(line);
    a.bus.publish(complete);
    await waitUntil(() => onB.events.length === 2);
    expect(onB.events).toEqual([line, complete]);
    // deliverRemote reaches every subscriber of b1 in the same call: had t2's listener matched, it would
    // hold the events by now.
    expect(otherTenantOnB.events).toEqual([]);

    // B's event reaches A after A's own two came back to it on the same channel, so once A has B's event,
    // A has already seen (and dropped) its echoes.
    const step: BuildEvent = { type: 'STEP', buildId: 'b1', tenantId: 't1', step: 'export', progress: 80 };
    b.bus.publish(step);
    await waitUntil(() => onA.events.length === 3);
    expect(onA.events).toEqual([line, complete, step]);
    expect(allOnA.events).toEqual([line, complete]);
    expect(allOnB.events).toEqual([step]);
    expect(otherTenantOnB.events).toEqual([]);
    // Observers (the status cache) see every event of their process once, local or relayed.
    expect(observedOnA.events).toEqual([line, complete, step]);
    expect(observedOnB.events).toEqual([line, complete, step]);
    expect([...a.warnings, ...b.warnings]).toEqual([]);
  });

  it('keeps the order of a burst of LOG lines', async () => {
    const [a, b] = await openTwoProcesses();
    const onB = recorder();
    b.bus.subscribe('t1', 'b1', onB.listener);
    const lines = Array.from({ length: 500 }, (_, i) => log('b1', 't1', `line ${String(i)}`));
    for (const event of lines) a.bus.publish(event);
    await waitUntil(() => onB.events.length === lines.length);
    expect(onB.events).toEqual(lines);
  });

  it('ignores malformed and foreign messages on the channel with a warning', async () => {
    const [a, b] = await openTwoProcesses();
    const onB = recorder();
    b.bus.subscribe('t1', 'b1', onB.listener);
    const channel = b.bridge.channel;
    const marker = log('b1', 't1', 'marker');
    await redis.publish(channel, 'not json');
    await redis.publish(channel, JSON.stringify({ hello: 'world' }));
    await redis.publish(channel, JSON.stringify({ v: 2, origin: 'elsewhere', event: marker }));
    await redis.publish(
      channel,
      JSON.stringify({ v: 1, origin: 'elsewhere', event: { type: 'LOG', buildId: 'b1', tenantId: 't1' } }),
    );
    await redis.publish(
      channel,
      JSON.stringify({ v: 1, origin: 'elsewhere', event: { ...marker, type: 'UNKNOWN' } }),
    );
    a.bus.publish(marker);
    await waitUntil(() => onB.events.length === 1);
    expect(onB.events).toEqual([marker]);
    expect(b.warnings.map((w) => w.msg)).toEqual(
      Array<string>(5).fill('ignored a message that is not a relayed build event'),
    );
    expect(b.warnings[0]?.problem).toBe('not JSON');
    expect(b.warnings[3]?.problem).toContain('line');
  });

  it('after close() delivers and relays nothing, and leaves no connection open', async () => {
    const sockets = tcpSockets();
    const [a, b] = await openTwoProcesses();
    const channel = a.bridge.channel;
    expect(await connectionIds(channel, 'publisher')).toHaveLength(2);
    expect(await connectionIds(channel, 'subscriber')).toHaveLength(2);
    const onA = recorder();
    const onB = recorder();
    a.bus.subscribe('t1', 'b1', onA.listener);
    b.bus.subscribe('t1', 'b1', onB.listener);
    expect(await subscriberCount(b.bridge.channel)).toBe(2);

    await Promise.all([b.bridge.close(), b.bridge.close()]);
    await b.bridge.close();
    expect(await subscriberCount(channel)).toBe(1);
    expect(await connectionIds(channel, 'publisher')).toHaveLength(1);
    expect(await connectionIds(channel, 'subscriber')).toHaveLength(1);
    b.bus.publish(log('b1', 't1', 'from the closed process'));
    a.bus.publish(log('b1', 't1', 'to the closed process'));
    // A message sent after both: once A has it, anything B might have relayed would have arrived before.
    const marker = log('b1', 't1', 'marker');
    await redis.publish(a.bridge.channel, JSON.stringify({ v: 1, origin: 'elsewhere', event: marker }));
    await waitUntil(() => onA.events.length === 2);
    expect(onA.events.map((e) => (e.type === 'LOG' ? e.line : e.type))).toEqual([
      'to the closed process',
      'marker',
    ]);
    expect(onB.events.map((e) => (e.type === 'LOG' ? e.line : e.type))).toEqual(['from the closed process']);

    await a.bridge.close();
    expect(await connectionIds(channel, 'publisher')).toEqual([]);
    expect(await connectionIds(channel, 'subscriber')).toEqual([]);
    await waitUntil(() => tcpSockets() <= sockets);
  });

  it('survives cut connections: resubscribes, and warns once while it cannot publish', async () => {
    const [a, b] = await openTwoProcesses();
    const onB = recorder();
    b.bus.subscribe('t1', 'b1', onB.listener);
    const channel = a.bridge.channel;

    expect(await killConnections(channel, 'publisher')).toBe(2);
    expect(await killConnections(channel, 'subscriber')).toBe(2);
    a.bus.publish(log('b1', 't1', 'maybe lost'));
    await waitUntil(async () => (await subscriberCount(channel)) === 2);
    await waitUntil(() => {
      a.bus.publish(log('b1', 't1', 'after the cut'));
      return onB.events.some((e) => e.type === 'LOG' && e.line === 'after the cut');
    });

    const messages = a.warnings.map((w) => w.msg);
    expect(messages).not.toContain('build event listener threw');
    expect(messages.filter((m) => m.startsWith('build events are not relayed')).length).toBeLessThanOrEqual(
      1,
    );
  });

  it('rejects when Redis cannot be reached, and stops trying', async () => {
    const sockets = tcpSockets();
    const records: Process['warnings'] = [];
    const logger = capturingLogger(records, 'debug');
    const bus = new BuildEventBus(logger);
    await expect(
      attachRedisEventBridge(bus, {
        redisUrl: 'redis://127.0.0.1:1',
        prefix: `lbe-test-${createId()}`,
        logger,
      }),
    ).rejects.toThrow();
    // At most one warning per connection (the second may be cut before it fails); a retry would log again.
    const warned = records.filter((r) => r.level >= 40).map((r) => r.msg);
    expect(warned.length).toBeGreaterThanOrEqual(1);
    expect(warned.length).toBeLessThanOrEqual(2);
    expect(new Set(warned)).toEqual(new Set(['build event bridge: redis error; reconnecting']));
    const logged = records.length;
    // ioredis would retry after 50 ms, then 100 ms …: a few times that passes without a new attempt.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(records).toHaveLength(logged);
    await waitUntil(() => tcpSockets() <= sockets);
  });
});
