import { sql, type Kysely } from 'kysely';

/**
 * The initial schema, written once for both SQLite and PostgreSQL: only column types both understand
 * (`text`, `integer`, `bigint`), JSON as text, booleans as 0/1, timestamps as epoch milliseconds.
 * Names are written in snake_case here so that they do not depend on the CamelCasePlugin.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('tier', 'text', (c) => c.notNull().defaultTo('free'))
    .addColumn('build_quota', 'integer')
    .addColumn('storage_quota_bytes', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('organizations_tier_check', sql`tier in ('free', 'basic', 'pro', 'enterprise')`)
    .execute();

  await db.schema
    .createTable('members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('members_organization_email_unique', ['organization_id', 'email'])
    .addCheckConstraint('members_role_check', sql`role in ('owner', 'admin', 'member')`)
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('rate_limit', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('build_quota', 'integer')
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('expires_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('total_builds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_key_hash_idx').on('api_keys').column('key_hash').execute();
  await db.schema.createIndex('api_keys_organization_idx').on('api_keys').column('organization_id').execute();

  await db.schema
    .createTable('builds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('api_key_id', 'text', (c) => c.references('api_keys.id').onDelete('set null'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('step', 'text')
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('plan_hash', 'text')
    .addColumn('build_key', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('warnings', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('base', 'text')
    .addColumn('kernel', 'text')
    .addColumn('init', 'text')
    .addColumn('architecture', 'text')
    .addColumn('security_level', 'text')
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(3))
    .addColumn('worker_id', 'text')
    .addColumn('heartbeat_at', 'bigint')
    .addColumn('cancel_requested_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('queued_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('timings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('log_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addCheckConstraint(
      'builds_status_check',
      sql`status in ('PENDING', 'QUEUED', 'IN_PROGRESS', 'SUCCESS', 'FAILED', 'CANCELLED')`,
    )
    .addCheckConstraint('builds_progress_check', sql`progress between 0 and 100`)
    .execute();
  await db.schema
    .createIndex('builds_organization_created_idx')
    .on('builds')
    .expression(sql`organization_id, created_at desc, id desc`)
    .execute();
  await db.schema.createIndex('builds_status_idx').on('builds').column('status').execute();
  await db.schema.createIndex('builds_build_key_idx').on('builds').column('build_key').execute();

  await db.schema
    .createTable('build_logs')
    .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('step', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    // The primary key is also the (build_id, seq) index that paged reads use.
    .addPrimaryKeyConstraint('build_logs_pk', ['build_id', 'seq'])
    .execute();

  await db.schema
    .createTable('build_artifacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
    .addColumn('file_type', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addColumn('path', 'text')
    .addColumn('ref', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('build_artifacts_build_idx').on('build_artifacts').column('build_id').execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('failure_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhooks_organization_idx').on('webhooks').column('organization_id').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('response_status', 'integer')
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('messages', 'text', (c) => c.notNull())
    .addColumn('spec', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .execute();

  await db.schema
    .createTable('queue_jobs')
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('build_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts_made', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('backoff_ms', 'integer', (c) => c.notNull())
    .addColumn('worker_id', 'text')
    .addColumn('token', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('queue_jobs_pk', ['queue', 'build_id'])
    .addCheckConstraint('queue_jobs_state_check', sql`state in ('waiting', 'active')`)
    .execute();
  await db.schema
    .createIndex('queue_jobs_claim_idx')
    .on('queue_jobs')
    .columns(['queue', 'state', 'priority', 'run_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'queue_jobs',
    'conversations',
    'webhook_deliveries',
    'webhooks',
    'build_artifacts',
    'build_logs',
    'builds',
    'api_keys',
    'members',
    'organizations',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
