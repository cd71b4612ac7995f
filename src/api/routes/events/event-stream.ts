import type { Logger } from 'pino';
import type { BuildEvent, BuildEventBus } from '../../../builds/build-events.js';
import type { Principal } from '../../../builds/principal.js';
import { isTerminalBuildStatus, type BuildStatus, type Store } from '../../../store/index.js';
import { toArtifactSummary } from '../builds/build.views.js';

/** A message of the WebSocket / SSE protocol (server → client). */
export type ClientMessage =
  | Omit<Extract<BuildEvent, { type: 'LOG' }>, 'tenantId'>
  | Omit<Extract<BuildEvent, { type: 'STEP' }>, 'tenantId'>
  | Omit<Extract<BuildEvent, { type: 'BUILD_COMPLETE' }>, 'tenantId'>
  | Omit<Extract<BuildEvent, { type: 'BUILD_STATUS' }>, 'tenantId'>
  | {
      readonly type: 'SUBSCRIBED';
      readonly buildId: string;
      readonly status: BuildStatus;
      readonly step: string | null;
      readonly progress: number;
    }
  | { readonly type: 'UNSUBSCRIBED'; readonly buildId: string }
  | { readonly type: 'ERROR'; readonly code: string; readonly message: string; readonly buildId?: string };

/**
 * One client's subscriptions (a WebSocket connection or an SSE response). Contracts:
 * - `subscribe` first attaches to the bus, then reads the build from the store (tenant-scoped), so no
 *   event between the read and the attach is lost; another tenant's or an unknown build → an ERROR
 *   message and nothing else, ever, for that id;
 * - when the build is already finished, BUILD_COMPLETE is sent at once (from the store);
 * - BUILD_COMPLETE is sent at most once per subscription; `onComplete` fires after it;
 * - `close()` detaches everything (idempotent).
 */
export class BuildEventSession {
  private readonly subscriptions = new Map<string, () => void>();
  private readonly completed = new Set<string>();
  private closed = false;

  constructor(
    private readonly principal: Principal,
    private readonly deps: { readonly store: Store; readonly events: BuildEventBus; readonly logger: Logger },
    private readonly send: (message: ClientMessage) => void,
    private readonly onComplete?: (buildId: string) => void,
  ) {}

  async subscribe(buildId: string): Promise<boolean> {
    if (this.closed) return false;
    if (this.subscriptions.has(buildId)) return true;
    const pending: BuildEvent[] = [];
    let ready = false;
    const unsubscribe = this.deps.events.subscribe(this.principal.tenantId, buildId, (event) => {
      if (ready) this.forward(event);
      else pending.push(event);
    });
    this.subscriptions.set(buildId, unsubscribe);
    const build = await this.deps.store.builds.get(this.principal.tenantId, buildId);
    if (build === undefined || this.isClosed()) {
      this.unsubscribe(buildId, false);
      if (build === undefined) {
        this.send({ type: 'ERROR', code: 'LBE_BUILD_NOT_FOUND', message: 'No build with that id', buildId });
      }
      return false;
    }
    this.send({
      type: 'SUBSCRIBED',
      buildId,
      status: build.status,
      step: build.step,
      progress: build.progress,
    });
    if (isTerminalBuildStatus(build.status)) {
      const artifacts = (await this.deps.store.artifacts.list(this.principal.tenantId, buildId)) ?? [];
      this.forward({
        type: 'BUILD_COMPLETE',
        buildId,
        tenantId: this.principal.tenantId,
        status: build.status,
        artifacts: artifacts.map(toArtifactSummary),
        errorCode: build.errorCode,
      });
    }
    ready = true;
    for (const event of pending) this.forward(event);
    return true;
  }

  /** A method, not the field, so checks after an `await` are not narrowed away. */
  isClosed(): boolean {
    return this.closed;
  }

  unsubscribe(buildId: string, notify = true): void {
    const off = this.subscriptions.get(buildId);
    if (off === undefined) return;
    off();
    this.subscriptions.delete(buildId);
    if (notify) this.send({ type: 'UNSUBSCRIBED', buildId });
  }

  close(): void {
    this.closed = true;
    for (const off of this.subscriptions.values()) off();
    this.subscriptions.clear();
  }

  private forward(event: BuildEvent): void {
    if (this.closed) return;
    if (event.type === 'BUILD_COMPLETE') {
      if (this.completed.has(event.buildId)) return;
      this.completed.add(event.buildId);
    }
    const { tenantId: _tenantId, ...message } = event;
    this.send(message);
    if (event.type === 'BUILD_COMPLETE') this.onComplete?.(event.buildId);
  }
}
