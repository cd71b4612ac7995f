export { createStore, type Store, type StoreOptions } from './store.js';
export { type StoreDialect, resolveSqlitePath, isPostgresUrl } from './database.connection.js';
export { systemClock, type Clock } from './store.clock.js';
export { type Page, type PageCursor, encodePageCursor, decodePageCursor } from './page-cursor.codec.js';
export { bootstrapDefaultOrganization, DEFAULT_ORGANIZATION_SLUG } from './default-organization.bootstrap.js';
export {
  ORGANIZATION_TIERS,
  DEFAULT_STORAGE_QUOTA_BYTES,
  type Organization,
  type OrganizationTier,
  type NewOrganization,
  type OrganizationsRepository,
} from './organizations.repository.js';
export { MEMBER_ROLES, type Member, type MemberRole, type MembersRepository } from './members.repository.js';
export { type ApiKey, type NewApiKey, type ApiKeysRepository } from './api-keys.repository.js';
export {
  BUILD_STATUSES,
  TERMINAL_BUILD_STATUSES,
  isTerminalBuildStatus,
  type Build,
  type BuildStatus,
  type NewBuild,
  type BuildPatch,
  type ListBuildsOptions,
  type CancelOutcome,
  type HeartbeatResult,
  type BuildsRepository,
} from './builds.repository.js';
export {
  LOG_LEVELS,
  type LogLevel,
  type LogLine,
  type NewLogLine,
  type LogPage,
  type BuildLogsRepository,
} from './build-logs.repository.js';
export {
  ARTIFACT_FILE_TYPES,
  type ArtifactFileType,
  type BuildArtifact,
  type NewBuildArtifact,
  type BuildArtifactsRepository,
} from './build-artifacts.repository.js';
export {
  DELIVERY_STATUSES,
  WEBHOOK_FORMATS,
  type ClaimedDelivery,
  type DeliveryStatus,
  type Webhook,
  type WebhookDelivery,
  type WebhookDeliveryAttempt,
  type WebhookFormat,
  type WebhooksRepository,
} from './webhooks.repository.js';
export {
  type Conversation,
  type ConversationMessage,
  type ConversationsRepository,
} from './conversations.repository.js';
export {
  type QueueJob,
  type QueueJobState,
  type QueueJobCounts,
  type EnqueueJobOptions,
  type QueueJobsRepository,
} from './queue-jobs.repository.js';
