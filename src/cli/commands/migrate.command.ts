import type { Command } from 'commander';
import { migrateDatabase } from '../../app/migrate.js';
import { loadConfig } from '../../config/index.js';
import { printLine } from '../cli-output.js';

/** `lbe migrate`: applies the database migrations (SQLite or DATABASE_URL) and exits. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations')
    .action(async () => {
      const applied = await migrateDatabase(loadConfig());
      printLine(
        process.stdout,
        applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`,
      );
    });
}
