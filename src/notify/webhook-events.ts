import { createId } from '@paralleldrive/cuid2';
import type { BuildStatus, WebhookFormat } from '../store/index.js';

/** The events a webhook can subscribe to. */
export const WEBHOOK_EVENTS = [
  'build.started',
  'build.completed',
  'build.failed',
  'build.cancelled',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];
/** Sent by `POST /api/webhooks/:id/test` only; not subscribable. */
export const TEST_EVENT = 'webhook.test';

/** An artifact as the payload lists it (never a server path). */
export interface WebhookArtifact {
  readonly type: string;
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly sha256: string | null;
  readonly downloadUrl: string | null;
}

/**
 * A build event as published on the build event bus (structurally: `notify/` does not import `builds/`).
 * `BUILD_STATUS` with `IN_PROGRESS` is "started"; `BUILD_COMPLETE` carries the terminal status.
 */
export interface BuildEventNotice {
  readonly type: string;
  readonly buildId: string;
  readonly tenantId: string;
  readonly status?: BuildStatus;
  readonly errorCode?: string | null;
  readonly artifacts?: readonly WebhookArtifact[];
}

/** The JSON body of a `json` webhook (the signed bytes are exactly `JSON.stringify` of this). */
export interface WebhookPayload {
  /** Event id: the same for every webhook that receives this event. */
  readonly id: string;
  readonly event: WebhookEventName | typeof TEST_EVENT;
  /** ISO 8601 time the event happened. */
  readonly createdAt: string;
  readonly organizationId: string;
  readonly data: {
    readonly buildId?: string;
    readonly status?: BuildStatus;
    readonly errorCode?: string | null;
    readonly artifacts?: readonly WebhookArtifact[];
    readonly webhookId?: string;
    readonly message?: string;
  };
}

/** Which webhook event a bus event is, if any (log lines, steps and queue moves are not). */
export function webhookEventOf(notice: BuildEventNotice): WebhookEventName | undefined {
  if (notice.type === 'BUILD_STATUS') return notice.status === 'IN_PROGRESS' ? 'build.started' : undefined;
  if (notice.type !== 'BUILD_COMPLETE') return undefined;
  switch (notice.status) {
    case 'SUCCESS':
      return 'build.completed';
    case 'FAILED':
      return 'build.failed';
    case 'CANCELLED':
      return 'build.cancelled';
    case 'PENDING':
    case 'QUEUED':
    case 'IN_PROGRESS':
    case undefined:
      return undefined;
  }
}

export function buildPayload(
  event: WebhookEventName,
  notice: BuildEventNotice,
  now: number = Date.now(),
): WebhookPayload {
  return {
    id: `evt_${createId()}`,
    event,
    createdAt: new Date(now).toISOString(),
    organizationId: notice.tenantId,
    data: {
      buildId: notice.buildId,
      ...(notice.status === undefined ? {} : { status: notice.status }),
      ...(event === 'build.started' ? {} : { errorCode: notice.errorCode ?? null }),
      ...(event === 'build.completed'
        ? {
            artifacts: (notice.artifacts ?? []).map((a) => ({
              type: a.type,
              fileName: a.fileName,
              sizeBytes: a.sizeBytes,
              sha256: a.sha256,
              downloadUrl: a.downloadUrl,
            })),
          }
        : {}),
    },
  };
}

export function testPayload(
  organizationId: string,
  webhookId: string,
  now: number = Date.now(),
): WebhookPayload {
  return {
    id: `evt_${createId()}`,
    event: TEST_EVENT,
    createdAt: new Date(now).toISOString(),
    organizationId,
    data: { webhookId, message: 'Test delivery from Linux Builder Engine' },
  };
}

const TITLES: Record<WebhookPayload['event'], string> = {
  'build.started': 'Build started',
  'build.completed': 'Build completed',
  'build.failed': 'Build failed',
  'build.cancelled': 'Build cancelled',
  'webhook.test': 'Webhook test',
};

/** Discord embed colours (decimal RGB). */
const COLORS: Record<WebhookPayload['event'], number> = {
  'build.started': 0x3b82f6,
  'build.completed': 0x22c55e,
  'build.failed': 0xef4444,
  'build.cancelled': 0x9ca3af,
  'webhook.test': 0x8b5cf6,
};

function summaryLines(payload: WebhookPayload): string[] {
  const d = payload.data;
  const lines: string[] = [];
  if (d.buildId !== undefined) lines.push(`Build: ${d.buildId}`);
  if (d.status !== undefined) lines.push(`Status: ${d.status}`);
  if (d.errorCode != null) lines.push(`Error: ${d.errorCode}`);
  if (d.artifacts !== undefined && d.artifacts.length > 0) {
    lines.push(`Artifacts: ${d.artifacts.map((a) => a.fileName).join(', ')}`);
  }
  if (d.message !== undefined) lines.push(d.message);
  return lines;
}

/**
 * The exact body sent to a destination: the payload itself for `json`, a Slack incoming-webhook message
 * (`text` + `blocks`) for `slack`, a Discord webhook message (`embeds`) for `discord`.
 */
export function renderWebhookBody(format: WebhookFormat, payload: WebhookPayload): string {
  switch (format) {
    case 'json':
      return JSON.stringify(payload);
    case 'slack': {
      const title = TITLES[payload.event];
      const lines = summaryLines(payload);
      return JSON.stringify({
        text: `${title}${payload.data.buildId === undefined ? '' : `: ${payload.data.buildId}`}`,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: title } },
          { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
          {
            type: 'context',
            elements: [{ type: 'mrkdwn', text: `${payload.event} · ${payload.createdAt}` }],
          },
        ],
      });
    }
    case 'discord': {
      const d = payload.data;
      const fields = [
        ...(d.buildId === undefined ? [] : [{ name: 'Build', value: d.buildId, inline: true }]),
        ...(d.status === undefined ? [] : [{ name: 'Status', value: d.status, inline: true }]),
        ...(d.errorCode == null ? [] : [{ name: 'Error', value: d.errorCode, inline: false }]),
      ];
      return JSON.stringify({
        username: 'Linux Builder Engine',
        embeds: [
          {
            title: TITLES[payload.event],
            description: summaryLines(payload).join('\n'),
            color: COLORS[payload.event],
            timestamp: payload.createdAt,
            fields,
            footer: { text: payload.event },
          },
        ],
        allowed_mentions: { parse: [] },
      });
    }
  }
}
