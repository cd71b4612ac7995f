import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createId } from '@paralleldrive/cuid2';
import pg from 'pg';
import { createStore, type Store } from '../store.js';
import type { Clock } from '../store.clock.js';

/**
 * Test fixture: the databases every store/queue conformance suite runs against. Each `open()` gets a
 * fresh SQLite file in a temp dir or a fresh PostgreSQL schema, migrated; `cleanup()` closes the store(s)
 * and deletes the file / drops the schema. Test-only; not exported from the package index.
 */
export const TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface OpenedStore {
  readonly store: Store;
  /** Opens another store on the same database (a second process's view), closed by `cleanup()`. */
  openAnother(): Promise<Store>;
  /** The options a child process needs to open the same database. */
  readonly connection: { readonly databaseUrl: string; readonly dataDir: string; readonly schema?: string };
  cleanup(): Promise<void>;
}

export interface StoreTarget {
  readonly name: 'sqlite' | 'postgres';
  open(options?: { clock?: Clock }): Promise<OpenedStore>;
}

export const sqliteTarget: StoreTarget = {
  name: 'sqlite',
  async open(options = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'lbe-store-'));
    const connection = { databaseUrl: `sqlite:${join(dir, 'lbe.db')}`, dataDir: dir };
    const opened: Store[] = [];
    const open = async (): Promise<Store> => {
      const s = createStore({ ...connection, clock: options.clock });
      opened.push(s);
      await s.migrate();
      return s;
    };
    const store = await open();
    return {
      store,
      openAnother: open,
      connection,
      async cleanup() {
        for (const s of opened) await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresTarget: StoreTarget = {
  name: 'postgres',
  async open(options = {}) {
    const schema = `lbe_test_${createId()}`;
    const connection = { databaseUrl: TEST_POSTGRES_URL, dataDir: tmpdir(), schema };
    const opened: Store[] = [];
    const open = async (): Promise<Store> => {
      const s = createStore({ ...connection, poolSize: 4, clock: options.clock });
      opened.push(s);
      await s.migrate();
      return s;
    };
    const store = await open();
    return {
      store,
      openAnother: open,
      connection,
      async cleanup() {
        for (const s of opened) await s.close();
        await dropTestSchema(schema);
      },
    };
  },
};

/** Drops a PostgreSQL schema a test created (and everything in it) on the test database. */
export async function dropTestSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

export const STORE_TARGETS: readonly StoreTarget[] = [sqliteTarget, postgresTarget];

/** A clock tests can move; starts at the real time. */
export class TestClock {
  now = Date.now();
  readonly read: Clock = () => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}
