import { Migrator, sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { LbeError } from '../errors/index.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { BuildArtifactsRepository } from './build-artifacts.repository.js';
import { BuildLogsRepository } from './build-logs.repository.js';
import { BuildsRepository } from './builds.repository.js';
import { ConversationsRepository } from './conversations.repository.js';
import { openDatabase, type StoreDialect } from './database.connection.js';
import type { Database } from './database.schema.js';
import { MembersRepository } from './members.repository.js';
import { StaticMigrationProvider } from './migrations/migration.provider.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { QueueJobsRepository } from './queue-jobs.repository.js';
import { systemClock, type Clock } from './store.clock.js';
import { WebhooksRepository } from './webhooks.repository.js';

export interface StoreOptions {
  /** `postgres://…` → PostgreSQL; `sqlite:PATH`, `file:PATH` or unset → SQLite (`${dataDir}/lbe.db`). */
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
  /** PostgreSQL only: use (and create on `migrate()`) this schema, e.g. one per test run. */
  readonly schema?: string | undefined;
  readonly poolSize?: number | undefined;
  readonly clock?: Clock | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * The persistence boundary. Repositories hold the SQL; everything above speaks to them only.
 * Tenancy rule: every tenant method takes the caller's `organizationId` and answers undefined / false /
 * 'not-found' for another tenant's rows; cross-tenant methods are named for their system caller.
 * The store owns its connection pool: call `close()` (idempotent) when done.
 */
export interface Store {
  readonly dialect: StoreDialect;
  readonly organizations: OrganizationsRepository;
  readonly members: MembersRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly builds: BuildsRepository;
  readonly logs: BuildLogsRepository;
  readonly artifacts: BuildArtifactsRepository;
  readonly webhooks: WebhooksRepository;
  readonly conversations: ConversationsRepository;
  /** SQL of the embedded queue; used by `jobs/`'s local driver only. */
  readonly queueJobs: QueueJobsRepository;
  /** Applies pending migrations (creating the PostgreSQL schema first); returns the names applied. */
  migrate(): Promise<readonly string[]>;
  /** Resolves when the database answers; rejects with LBE_STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** Closes the pool / file. Safe to call more than once. */
  close(): Promise<void>;
}

class KyselyStore implements Store {
  readonly organizations: OrganizationsRepository;
  readonly members: MembersRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly builds: BuildsRepository;
  readonly logs: BuildLogsRepository;
  readonly artifacts: BuildArtifactsRepository;
  readonly webhooks: WebhooksRepository;
  readonly conversations: ConversationsRepository;
  readonly queueJobs: QueueJobsRepository;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: StoreDialect,
    private readonly schema: string | undefined,
    clock: Clock,
    private readonly logger: Logger | undefined,
  ) {
    this.organizations = new OrganizationsRepository(db, clock);
    this.members = new MembersRepository(db, clock);
    this.apiKeys = new ApiKeysRepository(db, clock);
    this.builds = new BuildsRepository(db, clock);
    this.logs = new BuildLogsRepository(db, clock);
    this.artifacts = new BuildArtifactsRepository(db, clock);
    this.webhooks = new WebhooksRepository(db, clock);
    this.conversations = new ConversationsRepository(db, clock);
    this.queueJobs = new QueueJobsRepository(db, clock);
  }

  async migrate(): Promise<readonly string[]> {
    if (this.dialect === 'postgres' && this.schema !== undefined) {
      await this.db.schema.createSchema(this.schema).ifNotExists().execute();
    }
    const migrator = new Migrator({
      db: this.db,
      provider: new StaticMigrationProvider(),
      ...(this.schema === undefined ? {} : { migrationTableSchema: this.schema }),
    });
    const { error, results } = await migrator.migrateToLatest();
    const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (error !== undefined) {
      throw new LbeError('LBE_STORE_UNAVAILABLE', 'Database migration failed', {
        cause: error,
        details: { failed: (results ?? []).filter((r) => r.status === 'Error').map((r) => r.migrationName) },
      });
    }
    if (applied.length > 0) this.logger?.info({ applied }, 'database migrated');
    return applied;
  }

  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
    } catch (cause) {
      throw new LbeError('LBE_STORE_UNAVAILABLE', undefined, { cause });
    }
  }

  close(): Promise<void> {
    this.closing ??= this.db.destroy();
    return this.closing;
  }
}

/**
 * Opens the store without migrating (call `migrate()` at start-up, or run `lbe migrate`). Synchronous I/O
 * happens only for SQLite (directory creation, opening the file); PostgreSQL connects lazily.
 */
export function createStore(options: StoreOptions): Store {
  const connection = openDatabase(options);
  options.logger?.debug({ dialect: connection.dialect, location: connection.location }, 'store opened');
  return new KyselyStore(
    connection.db,
    connection.dialect,
    connection.schema,
    options.clock ?? systemClock,
    options.logger,
  );
}
