import type { Config } from '../config/index.js';
import { bootstrapDefaultOrganization, createStore } from '../store/index.js';

/** Applies pending migrations and ensures the `default` organization; returns the migrations applied. */
export async function migrateDatabase(config: Config): Promise<readonly string[]> {
  const store = createStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    const applied = await store.migrate();
    await bootstrapDefaultOrganization(store);
    return applied;
  } finally {
    await store.close();
  }
}
