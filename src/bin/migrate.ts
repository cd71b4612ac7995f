import { migrateDatabase } from '../app/migrate.js';
import { loadConfig } from '../config/index.js';

try {
  const applied = await migrateDatabase(loadConfig());
  console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
} catch (err) {
  console.error(`lbe migrate: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
