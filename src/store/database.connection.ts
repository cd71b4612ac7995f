import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CamelCasePlugin,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDatabase as KyselySqlite,
} from 'kysely';
import pg from 'pg';
import type { Database } from './database.schema.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface DatabaseConnectionOptions {
  /** `postgres://…`/`postgresql://…` selects PostgreSQL; `sqlite:PATH`, `file:PATH` or nothing selects SQLite. */
  readonly databaseUrl?: string | undefined;
  /** Where the default SQLite file `lbe.db` lives when `databaseUrl` is not set. */
  readonly dataDir: string;
  /** PostgreSQL only: the schema every connection uses (`search_path`); created by `migrate()`. */
  readonly schema?: string | undefined;
  /** PostgreSQL only: pool size (default 10). */
  readonly poolSize?: number | undefined;
}

export interface DatabaseConnection {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** The PostgreSQL schema in use, or undefined (SQLite, or PostgreSQL's default search_path). */
  readonly schema: string | undefined;
  /** For logs: the SQLite file, or the PostgreSQL host/database without credentials. */
  readonly location: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** How many distinct SQL texts keep a prepared statement (the app issues a few dozen). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * CamelCasePlugin with memoized name conversion: the plugin converts every identifier of every query and
 * every column of every result row; the set of names is small and fixed (the schema), so each is computed
 * once.
 */
class MemoizedCamelCasePlugin extends CamelCasePlugin {
  private readonly toSnake = new Map<string, string>();
  private readonly toCamel = new Map<string, string>();

  protected override snakeCase(str: string): string {
    let out = this.toSnake.get(str);
    if (out === undefined) {
      out = super.snakeCase(str);
      this.toSnake.set(str, out);
    }
    return out;
  }

  protected override camelCase(str: string): string {
    let out = this.toCamel.get(str);
    if (out === undefined) {
      out = super.camelCase(str);
      this.toCamel.set(str, out);
    }
    return out;
  }
}

/**
 * better-sqlite3 behind a prepared-statement cache keyed by SQL text: Kysely prepares every query it runs,
 * and preparing costs several times more than running a small indexed query. Reusing a statement is safe
 * because Kysely's SQLite driver runs one query at a time on its single connection and the repositories do
 * not stream (a statement being iterated cannot run again until the iteration ends).
 */
function withStatementCache(sqlite: SqliteDatabase.Database): KyselySqlite {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/** Resolves the SQLite file for a URL like `sqlite:./x.db`, `sqlite:///abs/x.db`, `file:x.db`, or the default. */
export function resolveSqlitePath(databaseUrl: string | undefined, dataDir: string): string {
  if (databaseUrl === undefined || databaseUrl === '') return join(dataDir, 'lbe.db');
  const rest = databaseUrl.replace(/^(sqlite|file):/, '');
  if (rest === ':memory:') return rest;
  // `sqlite:///abs/path` and `file:///abs/path` are absolute; `sqlite://rel` is treated as relative.
  return rest.startsWith('///') ? rest.slice(2) : rest.replace(/^\/\//, '');
}

export function isPostgresUrl(databaseUrl: string | undefined): boolean {
  return databaseUrl !== undefined && /^postgres(ql)?:\/\//.test(databaseUrl);
}

/**
 * Opens the database: a pg pool (bigint parsed to number, `search_path` set per connection) or a
 * better-sqlite3 file (directory created, WAL, foreign keys on, 5 s busy timeout so that several
 * processes can share the file). The caller owns the returned `db` and must `destroy()` it.
 */
export function openDatabase(options: DatabaseConnectionOptions): DatabaseConnection {
  const plugins = [new MemoizedCamelCasePlugin()];
  if (isPostgresUrl(options.databaseUrl)) {
    const schema = options.schema;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new Error(`invalid PostgreSQL schema name: ${schema}`);
    }
    const url = new URL(options.databaseUrl ?? '');
    // Epoch-ms timestamps and counts are int8: return them as numbers, like SQLite does.
    const types = new pg.TypeOverrides();
    types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
      types,
    });
    return {
      db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins }),
      dialect: 'postgres',
      schema,
      location: `postgres://${url.host}${url.pathname}${schema === undefined ? '' : `#${schema}`}`,
    };
  }

  const file = resolveSqlitePath(options.databaseUrl, options.dataDir);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file, { timeout: 5000 });
  if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  return {
    db: new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
      plugins,
    }),
    dialect: 'sqlite',
    schema: undefined,
    location: file,
  };
}
