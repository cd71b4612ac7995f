import { tmpdir } from 'node:os';
import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseConnection } from './database.connection.js';
import { StaticMigrationProvider } from './migrations/migration.provider.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { PrecompiledQuery } from './precompiled-query.js';
import { systemClock } from './store.clock.js';

let conn: DatabaseConnection;
beforeAll(async () => {
  conn = openDatabase({ databaseUrl: 'sqlite::memory:', dataDir: tmpdir() });
  const { error } = await new Migrator({
    db: conn.db,
    provider: new StaticMigrationProvider(),
  }).migrateToLatest();
  if (error !== undefined) throw error instanceof Error ? error : new Error('migration failed');
});
afterAll(async () => {
  await conn.db.destroy();
});

describe('PrecompiledQuery', () => {
  it('binds values by name on every run and maps rows through the plugins (camelCase)', async () => {
    const orgs = new OrganizationsRepository(conn.db, systemClock);
    const a = await orgs.create({ name: 'A', slug: 'a-org' });
    const b = await orgs.create({ name: 'B', slug: 'b-org' });
    const db = conn.db;
    const query = new PrecompiledQuery(db, ['slug', 'limit'], (param) =>
      db
        .selectFrom('organizations')
        .select(['id', 'createdAt'])
        .where('slug', '=', param('slug'))
        .where('name', '!=', 'never')
        .limit(param('limit')),
    );
    expect(await query.execute({ slug: 'a-org', limit: 10 })).toEqual([{ id: a.id, createdAt: a.createdAt }]);
    expect(await query.execute({ slug: 'b-org', limit: 10 })).toEqual([{ id: b.id, createdAt: b.createdAt }]);
    expect(await query.execute({ slug: 'b-org', limit: 0 })).toEqual([]);
    expect(await query.execute({ slug: 'nobody', limit: 10 })).toEqual([]);
  });

  it('refuses a parameter that is not bound, or bound twice', () => {
    const db = conn.db;
    expect(
      () =>
        new PrecompiledQuery(db, ['slug', 'id'], (param) =>
          db.selectFrom('organizations').selectAll().where('slug', '=', param('slug')),
        ),
    ).toThrow(/parameter id must be bound exactly once/);
    expect(
      () =>
        new PrecompiledQuery(db, ['slug'], (param) =>
          db
            .selectFrom('organizations')
            .selectAll()
            .where('slug', '=', param('slug'))
            .where('name', '=', param('slug')),
        ),
    ).toThrow(/parameter slug must be bound exactly once/);
  });
});
