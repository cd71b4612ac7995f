import type { Generated } from 'kysely';

/**
 * The database as Kysely sees it, identical on SQLite and PostgreSQL. Property names are camelCase; the
 * `CamelCasePlugin` maps them to the snake_case columns the migrations create.
 *
 * Portable column conventions (both dialects return the same JS types):
 * - ids are cuid2 text;
 * - timestamps are integer epoch milliseconds (`bigint` on PostgreSQL, parsed to `number` by the pool);
 * - booleans are integers 0/1;
 * - JSON is text, encoded and decoded by the repositories.
 */
export interface OrganizationsTable {
  id: string;
  name: string;
  slug: string;
  tier: string;
  buildQuota: number | null;
  storageQuotaBytes: number;
  createdAt: number;
}

export interface MembersTable {
  id: string;
  organizationId: string;
  email: string;
  role: string;
  createdAt: number;
}

export interface ApiKeysTable {
  id: string;
  organizationId: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string;
  rateLimit: number;
  buildQuota: number | null;
  tier: string;
  isActive: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  totalBuilds: Generated<number>;
  createdAt: number;
  revokedAt: number | null;
  /** owner | admin | member: the role the key acts with in its organization. */
  role: Generated<string>;
  memberId: Generated<string | null>;
}

export interface BuildsTable {
  id: string;
  organizationId: string;
  apiKeyId: string | null;
  name: string;
  status: string;
  step: string | null;
  progress: number;
  spec: string;
  planHash: string | null;
  buildKey: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  warnings: string;
  base: string | null;
  kernel: string | null;
  init: string | null;
  architecture: string | null;
  securityLevel: string | null;
  priority: number;
  attempts: number;
  maxAttempts: number;
  workerId: string | null;
  heartbeatAt: number | null;
  cancelRequestedAt: number | null;
  cancelledAt: number | null;
  createdAt: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  timings: string;
  /** Highest `build_logs.seq` handed out so far; bumped atomically by `logs.append`. */
  logSeq: Generated<number>;
}

export interface BuildLogsTable {
  buildId: string;
  seq: number;
  ts: number;
  level: string;
  step: string | null;
  message: string;
}

export interface BuildArtifactsTable {
  id: string;
  buildId: string;
  fileType: string;
  fileName: string;
  sizeBytes: number;
  sha256: string | null;
  path: string | null;
  ref: string | null;
  createdAt: number;
  deletedAt: number | null;
}

export interface WebhooksTable {
  id: string;
  organizationId: string;
  url: string;
  secret: string;
  events: string;
  isActive: number;
  failureCount: number;
  createdAt: number;
  /** json | slack | discord: the body shape the destination expects. */
  format: Generated<string>;
  disabledAt: Generated<number | null>;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhookId: string;
  event: string;
  payload: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  nextAttemptAt: number | null;
  createdAt: number;
  lastError: Generated<string | null>;
  /** A dispatcher's claim: nobody else sends this delivery before then. */
  lockedUntil: Generated<number | null>;
}

/** One HTTP attempt of a delivery (the delivery log). */
export interface WebhookDeliveryAttemptsTable {
  id: string;
  deliveryId: string;
  attempt: number;
  attemptedAt: number;
  durationMs: number;
  responseStatus: number | null;
  error: string | null;
}

export interface ConversationsTable {
  id: string;
  organizationId: string;
  messages: string;
  spec: string | null;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
}

export interface QueueJobsTable {
  queue: string;
  buildId: string;
  state: string;
  priority: number;
  runAt: number;
  attemptsMade: number;
  maxAttempts: number;
  backoffMs: number;
  workerId: string | null;
  token: string | null;
  leaseUntil: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface Database {
  organizations: OrganizationsTable;
  members: MembersTable;
  apiKeys: ApiKeysTable;
  builds: BuildsTable;
  buildLogs: BuildLogsTable;
  buildArtifacts: BuildArtifactsTable;
  webhooks: WebhooksTable;
  webhookDeliveries: WebhookDeliveriesTable;
  webhookDeliveryAttempts: WebhookDeliveryAttemptsTable;
  conversations: ConversationsTable;
  queueJobs: QueueJobsTable;
}
