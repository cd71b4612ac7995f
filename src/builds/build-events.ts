import type { Logger } from 'pino';
import { z } from 'zod';
import { BUILD_STATUSES } from '../store/index.js';

/** An artifact as clients see it: never a server path. */
export const artifactSummarySchema = z
  .object({
    type: z.string(),
    fileName: z.string(),
    sizeBytes: z.number(),
    sha256: z.string().nullable(),
    downloadUrl: z.string().nullable(),
    ref: z.string().nullable(),
    expired: z.boolean(),
  })
  .readonly();
export type ArtifactSummary = z.infer<typeof artifactSummarySchema>;

const buildStatusSchema = z.enum(BUILD_STATUSES);

/**
 * The events of a build, as sent over WebSocket and SSE (minus `tenantId`, which is routing only), and as
 * relayed between processes (`build-events.redis-bridge.ts` parses with this schema). Keys it does not know
 * are dropped rather than refused, so processes of two versions can share a channel during a rollout.
 */
export const buildEventSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('LOG'),
      buildId: z.string(),
      tenantId: z.string(),
      line: z.string(),
      ts: z.number(),
      seq: z.number().optional(),
      step: z.string().nullable().optional(),
      level: z.string().optional(),
    }),
    z.object({
      type: z.literal('STEP'),
      buildId: z.string(),
      tenantId: z.string(),
      step: z.string(),
      progress: z.number(),
    }),
    z.object({
      type: z.literal('BUILD_COMPLETE'),
      buildId: z.string(),
      tenantId: z.string(),
      status: buildStatusSchema,
      artifacts: z.array(artifactSummarySchema).readonly(),
      errorCode: z.string().nullable().optional(),
    }),
    z.object({
      type: z.literal('BUILD_STATUS'),
      buildId: z.string(),
      tenantId: z.string(),
      status: buildStatusSchema,
    }),
  ])
  .readonly();
export type BuildEvent = z.infer<typeof buildEventSchema>;

export type BuildEventListener = (event: BuildEvent) => void;

/**
 * The in-process fan-out of build events: the worker publishes, WebSocket/SSE connections subscribe per
 * build, metrics and webhooks subscribe to everything. Contract:
 * - `publish` is synchronous and never throws: a listener that throws is logged and the others still run;
 * - listeners must not block (they enqueue onto their socket);
 * - per-tenant filtering is the subscriber's job (`subscribe` takes the tenant and drops other tenants'
 *   events for the same id, so a guessed id never leaks).
 * Events are not persisted here: the store holds the truth (logs, status); a late subscriber catches up
 * from the store. Across processes (API replicas, `lbe worker`) the bus carries nothing by itself; with
 * REDIS_URL set, `attachRedisEventBridge` relays every local publish to the other processes, which hand it
 * to their per-build subscribers through `deliverRemote` — so a WebSocket on any replica follows a build
 * running anywhere, while metrics and webhooks still see each event once, in the process that published it.
 */
export class BuildEventBus {
  private readonly byBuild = new Map<string, Set<BuildEventListener>>();
  private readonly all = new Set<BuildEventListener>();
  private readonly observers = new Set<BuildEventListener>();

  constructor(private readonly logger?: Logger) {}

  /** An event of this process: reaches the build's subscribers, then every `subscribeAll` listener. */
  publish(event: BuildEvent): void {
    this.deliverToBuild(event);
    for (const l of [...this.all]) this.deliver(l, event);
    this.deliverToObservers(event);
  }

  /**
   * An event another process published (relayed by the Redis bridge): reaches the build's subscribers
   * only. `subscribeAll` listeners never see it — they saw it in the publishing process, and metrics and
   * webhooks must count it once (the bridge itself listens with `subscribeAll`, so it is not relayed again).
   */
  deliverRemote(event: BuildEvent): void {
    this.deliverToBuild(event);
    this.deliverToObservers(event);
  }

  /** Events of one build of one tenant; returns the unsubscribe function (idempotent). */
  subscribe(tenantId: string, buildId: string, listener: BuildEventListener): () => void {
    const filtered: BuildEventListener = (event) => {
      if (event.tenantId === tenantId) listener(event);
    };
    let set = this.byBuild.get(buildId);
    if (set === undefined) {
      set = new Set();
      this.byBuild.set(buildId, set);
    }
    set.add(filtered);
    return () => {
      const current = this.byBuild.get(buildId);
      if (current === undefined) return;
      current.delete(filtered);
      if (current.size === 0) this.byBuild.delete(buildId);
    };
  }

  /** Every event of every build (metrics, webhooks); returns the unsubscribe function. */
  subscribeAll(listener: BuildEventListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  /**
   * Every event this process sees — published here or relayed from another process — once each (caches
   * that must notice any change use it; anything that counts events uses `subscribeAll`). Returns the
   * unsubscribe function.
   */
  observe(listener: BuildEventListener): () => void {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  /** Subscriptions per build currently open (tests, diagnostics). */
  listenerCount(buildId: string): number {
    return this.byBuild.get(buildId)?.size ?? 0;
  }

  private deliverToBuild(event: BuildEvent): void {
    const listeners = this.byBuild.get(event.buildId);
    if (listeners !== undefined) for (const l of [...listeners]) this.deliver(l, event);
  }

  private deliverToObservers(event: BuildEvent): void {
    for (const l of [...this.observers]) this.deliver(l, event);
  }

  private deliver(listener: BuildEventListener, event: BuildEvent): void {
    try {
      listener(event);
    } catch (err) {
      this.logger?.error({ err, buildId: event.buildId, type: event.type }, 'build event listener threw');
    }
  }
}
