import type { Command } from 'commander';
import { startWorker, stopOnSignals } from '../../app/processes.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../observability/index.js';

/** `lbe worker`: runs builds from the shared queue without the API; stops gracefully on SIGTERM. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a build worker alone (shares DATABASE_URL / REDIS_URL with the API)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config);
      process.exitCode = await stopOnSignals(await startWorker(config, logger), logger);
    });
}
