import { sql, type Kysely } from 'kysely';

/**
 * API keys act with a role inside their organization (owner | admin | member, default member) and may be
 * issued to one member; builds are looked up by the key that submitted them (usage, monthly key quota).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('role', 'text', (c) =>
      c
        .notNull()
        .defaultTo('member')
        .check(sql`role in ('owner', 'admin', 'member')`),
    )
    .execute();
  await db.schema
    .alterTable('api_keys')
    .addColumn('member_id', 'text', (c) => c.references('members.id').onDelete('set null'))
    .execute();
  await db.schema
    .createIndex('builds_api_key_created_idx')
    .on('builds')
    .columns(['api_key_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('builds_api_key_created_idx').ifExists().execute();
  await db.schema.alterTable('api_keys').dropColumn('member_id').execute();
  await db.schema.alterTable('api_keys').dropColumn('role').execute();
}
