import { sql, type Kysely } from 'kysely';

/**
 * Webhook delivery: a destination format per webhook (json | slack | discord) and when it was disabled;
 * per delivery the last error and a claim lease (`locked_until`, so two dispatchers never send the same
 * delivery at once); and one row per HTTP attempt (the delivery log).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('webhooks')
    .addColumn('format', 'text', (c) =>
      c
        .notNull()
        .defaultTo('json')
        .check(sql`format in ('json', 'slack', 'discord')`),
    )
    .execute();
  await db.schema.alterTable('webhooks').addColumn('disabled_at', 'bigint').execute();
  await db.schema.alterTable('webhook_deliveries').addColumn('last_error', 'text').execute();
  await db.schema.alterTable('webhook_deliveries').addColumn('locked_until', 'bigint').execute();
  await db.schema
    .createIndex('webhook_deliveries_webhook_created_idx')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('webhook_delivery_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) =>
      c.notNull().references('webhook_deliveries.id').onDelete('cascade'),
    )
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('attempted_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('error', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_delivery_attempts_delivery_idx')
    .on('webhook_delivery_attempts')
    .columns(['delivery_id', 'attempt'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_delivery_attempts').ifExists().execute();
  await db.schema.dropIndex('webhook_deliveries_webhook_created_idx').ifExists().execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('locked_until').execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('last_error').execute();
  await db.schema.alterTable('webhooks').dropColumn('disabled_at').execute();
  await db.schema.alterTable('webhooks').dropColumn('format').execute();
}
